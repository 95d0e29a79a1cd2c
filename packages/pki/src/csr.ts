/**
 * Certificate signing requests: a node makes its own key and sends only a CSR, so its private key never
 * leaves the node (swarmkit's join does the same). The CA decides what the certificate says: the subject
 * (node id, role, cluster) and names come from the caller of `issueFromCsr`, never from the request, so a
 * node cannot ask for a role, or a name, it was not given.
 *
 * Invariants:
 * - A request whose signature does not verify with its own public key is refused (it proves possession).
 * - Only ECDSA P-256 keys are accepted, as everywhere in this package.
 */
import { webcrypto } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { InvalidArgumentError } from '@stevedore/errors';
import { issueForKey, type IssueOptions } from './certificates.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** A P-256 CSR is about 400 bytes of PEM; anything much larger is not one of ours. */
const MAX_CSR_PEM = 8 * 1024;

/** A fresh P-256 key and a CSR for it (PEM both); `commonName` is only a hint, the CA sets the subject. */
export async function createKeyAndCsr(commonName: string): Promise<{ keyPem: string; csrPem: string }> {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName.replace(/([,+"\\<>;=])/g, '\\$1')}`,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), csrPem: csr.toString('pem') };
}

/** The request's public key, once its signature is verified; an InvalidArgumentError says what is wrong. */
async function verifiedPublicKey(csrPem: string): Promise<webcrypto.CryptoKey> {
  if (csrPem.length > MAX_CSR_PEM || !csrPem.includes('-----BEGIN CERTIFICATE REQUEST-----')) {
    throw new InvalidArgumentError(
      'csr must be a PEM certificate signing request ("BEGIN CERTIFICATE REQUEST")',
    );
  }
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw new InvalidArgumentError('csr is not a readable PKCS#10 certificate signing request');
  }
  const algorithm = csr.publicKey.algorithm as { name?: string; namedCurve?: string };
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
    throw new InvalidArgumentError('csr must be for an ECDSA P-256 key');
  }
  if (!(await csr.verify())) {
    throw new InvalidArgumentError('csr signature does not verify: it was not made with its own key');
  }
  // @peculiar/x509 types the key with the DOM's CryptoKey, which Node's types do not declare.
  const exported: unknown = await (csr.publicKey.export as (a: unknown, u: string[]) => Promise<unknown>)(
    KEY_ALGORITHM,
    ['verify'],
  );
  return exported as webcrypto.CryptoKey;
}

/** Issues a certificate for the key in `csrPem`, signed by `ca`, saying what `options` say. */
export async function issueFromCsr(
  ca: { readonly certPem: string; readonly keyPem: string },
  csrPem: string,
  options: IssueOptions,
): Promise<string> {
  return issueForKey(ca, await verifiedPublicKey(csrPem), options);
}
