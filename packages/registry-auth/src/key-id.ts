/**
 * libtrust key ids, the `kid` distribution's token auth matches against the certificates of its
 * `rootcertbundle` (libtrust's keyIDFromCryptoKey): SHA-256 of the DER SubjectPublicKeyInfo, its first
 * 240 bits in RFC 4648 base32 (48 characters, no padding), in 12 groups of 4 joined by ':'.
 */
import { type KeyObject, X509Certificate, createHash } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function libtrustKeyId(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const digest = createHash('sha256').update(spki).digest().subarray(0, 30);
  return base32(digest).match(/.{4}/g)!.join(':');
}

/** The libtrust key id of a certificate's public key. */
export function keyIdOfCertificate(certificatePem: string): string {
  return libtrustKeyId(new X509Certificate(certificatePem).publicKey);
}
