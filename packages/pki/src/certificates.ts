/**
 * Certificate authorities and the certificates they issue, ECDSA P-256 throughout.
 *
 * Stevedore keeps two roots (DESIGN.md): the cluster CA (server and node certificates) and the client CA
 * (client bundles). Both are made here with the same code; which is which is the caller's business.
 *
 * Invariants:
 * - Private keys leave this module only as PKCS#8 PEM strings for the caller to store with mode 0600
 *   (see ca-files.ts); they are never logged and never part of an error message.
 * - Serial numbers are 16 random bytes with the top bit clear (positive, RFC 5280 §4.1.2.2).
 * - Leaf certificates carry SubjectKeyIdentifier/AuthorityKeyIdentifier so chains build unambiguously
 *   across CA renewals, and an ExtendedKeyUsage that limits them to their purpose.
 */
import { createHash, randomBytes, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import { isIP } from 'node:net';
// @peculiar/x509 resolves its ASN.1 parsers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { InvalidArgumentError } from '@stevedore/errors';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
// Clocks of nodes disagree a little; a certificate valid from "now" would fail on a node that is behind.
const BACKDATE_MS = 5 * 60 * 1000;

export interface KeyAndCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** `signing`: signs data (the registry's token JWTs), never TLS: digitalSignature and the codeSigning EKU only. */
export type CertificateUsage = 'server' | 'client' | 'server-and-client' | 'signing';

export interface IssueOptions {
  readonly commonName: string;
  /** Organization (O) — UCP puts the account's org here; we use it for the cluster id. */
  readonly organization?: string;
  /** Organizational unit (OU) — the certificate's role, e.g. `client` or `manager`. */
  readonly organizationalUnit?: string;
  /** DNS names and IP addresses; required for server certificates. */
  readonly sans?: readonly string[];
  readonly usage: CertificateUsage;
  readonly validityDays: number;
  /** The validity starts here (less a few minutes for clock skew); now when absent. */
  readonly now?: Date;
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function distinguishedName(o: {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
}): string {
  const escape = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  return [
    `CN=${escape(o.commonName)}`,
    ...(o.organizationalUnit ? [`OU=${escape(o.organizationalUnit)}`] : []),
    ...(o.organization ? [`O=${escape(o.organization)}`] : []),
  ].join(', ');
}

function validity(days: number, at?: Date): { notBefore: Date; notAfter: Date } {
  if (!Number.isInteger(days) || days < 1 || days > 3650 * 2) {
    throw new InvalidArgumentError(`validity must be a whole number of days from 1 to 7300, got ${days}`);
  }
  const now = at?.getTime() ?? Date.now();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + days * DAY_MS) };
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

async function importKeyPem(pem: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(pem), KEY_ALGORITHM, true, [
    'sign',
  ]);
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

export async function createCertificateAuthority(options: {
  commonName: string;
  organization?: string;
  validityDays: number;
}): Promise<KeyAndCertificate> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: distinguishedName(options),
    ...validity(options.validityDays),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}

function sanExtension(sans: readonly string[]): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension(
    sans.map((value) => (isIP(value) ? { type: 'ip' as const, value } : { type: 'dns' as const, value })),
  );
}

const EKU: Record<CertificateUsage, x509.ExtendedKeyUsage[]> = {
  server: [x509.ExtendedKeyUsage.serverAuth],
  client: [x509.ExtendedKeyUsage.clientAuth],
  'server-and-client': [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
  signing: [x509.ExtendedKeyUsage.codeSigning],
};

/** Issue a certificate with a fresh key pair, signed by `ca`. */
export async function issueCertificate(
  ca: KeyAndCertificate,
  options: IssueOptions,
): Promise<KeyAndCertificate> {
  const keys = await generateKeys();
  const certPem = await issueForKey(ca, keys.publicKey, options);
  return { certPem, keyPem: await exportKeyPem(keys.privateKey) };
}

/** Issue a certificate for `publicKey` (a CSR's, csr.ts), signed by `ca`; PEM. */
export async function issueForKey(
  ca: KeyAndCertificate,
  publicKey: CryptoKey,
  options: IssueOptions,
): Promise<string> {
  const sans = options.sans ?? [];
  if ((options.usage === 'server' || options.usage === 'server-and-client') && sans.length === 0) {
    throw new InvalidArgumentError('a server certificate needs at least one DNS name or IP address (SAN)');
  }
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKeyPem(ca.keyPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: distinguishedName(options),
    issuer: caCert.subject,
    ...validity(options.validityDays, options.now),
    publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        options.usage === 'signing'
          ? x509.KeyUsageFlags.digitalSignature
          : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
        true,
      ),
      new x509.ExtendedKeyUsageExtension(EKU[options.usage]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      ...(sans.length > 0 ? [sanExtension(sans)] : []),
    ],
  });
  return cert.toString('pem');
}

/** SHA-256 fingerprint of a certificate, as `AB:CD:…` (what `openssl x509 -fingerprint -sha256` prints). */
export function fingerprintOf(certPem: string): string {
  return new NodeX509(certPem).fingerprint256;
}

/**
 * SHA-256 of the certificate's SubjectPublicKeyInfo, hex. A client bundle is recorded on its account by this
 * value, so that a presented certificate maps to exactly one bundle, and deleting the bundle revokes it.
 */
export function publicKeyIdOf(certPem: string): string {
  const spki = new NodeX509(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

/** True when less than `fraction` of the certificate's lifetime is left (renew at a third left, by default). */
export function needsRenewal(certPem: string, now = new Date(), fraction = 1 / 3): boolean {
  const cert = new NodeX509(certPem);
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  return to - now.getTime() < (to - from) * fraction;
}
