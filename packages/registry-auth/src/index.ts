export * from './scope.js';
export type { AccessEntry, TokenClaims } from './claims.js';
export { libtrustKeyId, keyIdOfCertificate } from './key-id.js';
export { TokenIssuer, type TokenIssuerOptions, type IssueRequest, type IssuedToken } from './issuer.js';
export {
  TokenVerifier,
  type TokenVerifierOptions,
  type VerifiedToken,
  type SigningCertificate,
  type RefusalReason,
} from './verifier.js';
export { bearerChallenge, type ChallengeOptions } from './challenge.js';
export {
  TOKEN_SIGNER_KEY,
  ensureTokenSigner,
  followTokenSigners,
  type TokenSigner,
  type TokenSignerFollower,
  type TokenSignerRecord,
} from './signer-record.js';
