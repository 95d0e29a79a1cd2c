/**
 * The controllers' server certificate, kept in the Store so that one job in the cluster renews it and every
 * controller serves the renewed one without a restart (they follow the key).
 *
 * Record at `/pki/controller-server`: the certificate (public), its private key sealed under the cluster
 * CA's key (pki's `sealWithCaKey`: only a holder of the CA key, i.e. a manager, can read it), and the names
 * it must cover. Each controller adds its own names (host name, listen address, `--san`) when it starts.
 *
 * Invariants:
 * - Every write is a compare on the record's modRevision: two controllers starting at once, or a renewal
 *   racing a start, never lose each other's names; the loser reads again and retries.
 * - A certificate is replaced only when it is due (a third of its life left), does not cover a name a
 *   controller needs, or cannot be unsealed (another CA): so renewal is idempotent and a rerun of the job
 *   or a second controller's start changes nothing.
 */
import type { KeyAndCertificate } from '@stevedore/pki';
import { needsRenewal, sealWithCaKey, unsealWithCaKey } from '@stevedore/pki';
import type { Store } from '@stevedore/store';
import { X509Certificate } from 'node:crypto';

export const SERVER_CERTIFICATE_KEY = '/pki/controller-server';
const PURPOSE = 'controller server key';
const MAX_RACES = 5;

interface StoredCertificate {
  readonly certPem: string;
  readonly sealedKey: string;
  readonly names: readonly string[];
}

export interface ServerCertificateOptions {
  readonly store: Store;
  readonly clusterCa: KeyAndCertificate;
  /** Issues a certificate for these names from the cluster CA. */
  readonly issue: (names: readonly string[]) => Promise<KeyAndCertificate>;
  /** The clock renewal decisions use (tests move it forward). */
  readonly now?: () => Date;
}

export type Outcome = 'current' | 'issued';

export class ServerCertificates {
  private readonly now: () => Date;

  constructor(private readonly options: ServerCertificateOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The stored certificate made to cover `names` (issued first if it does not, or is due). */
  async ensure(names: readonly string[]): Promise<KeyAndCertificate> {
    for (let race = 0; ; race++) {
      const kv = await this.options.store.get(SERVER_CERTIFICATE_KEY);
      const stored = kv ? this.decode(kv.value) : undefined;
      const wanted = [...new Set([...(stored?.names ?? []), ...names])].sort();
      const fits =
        stored?.usable === true && !this.due(stored.tls.certPem) && covers(stored.tls.certPem, wanted);
      if (fits && wanted.length === stored.names.length) return stored.tls;
      // A fitting certificate whose record lacks a name only needs the name recorded (for later renewals).
      const next = fits ? stored.tls : await this.options.issue(wanted);
      if (await this.write(next, wanted, kv?.modRevision ?? 0)) return next;
      if (race === MAX_RACES) throw new Error('the controller server certificate kept changing under us');
    }
  }

  /** The renewal job: replaces the certificate when it is due; says whether it did. */
  async renewIfDue(): Promise<Outcome> {
    for (let race = 0; ; race++) {
      const kv = await this.options.store.get(SERVER_CERTIFICATE_KEY);
      if (!kv) return 'current'; // No controller has started yet: the first start issues one.
      const stored = this.decode(kv.value);
      if (stored.usable && !this.due(stored.tls.certPem)) return 'current';
      const next = await this.options.issue(stored.names);
      if (await this.write(next, stored.names, kv.modRevision)) return 'issued';
      if (race === MAX_RACES) throw new Error('the controller server certificate kept changing under us');
    }
  }

  /** The certificate and key in a record's value; `usable` false when it cannot be unsealed. */
  decode(
    value: string,
  ):
    | { usable: true; tls: KeyAndCertificate; names: readonly string[] }
    | { usable: false; names: readonly string[] } {
    const stored = JSON.parse(value) as StoredCertificate;
    try {
      const keyPem = unsealWithCaKey(this.options.clusterCa.keyPem, PURPOSE, stored.sealedKey);
      return { usable: true, tls: { certPem: stored.certPem, keyPem }, names: stored.names };
    } catch {
      return { usable: false, names: stored.names };
    }
  }

  private due(certPem: string): boolean {
    return needsRenewal(certPem, this.now());
  }

  private async write(
    tls: KeyAndCertificate,
    names: readonly string[],
    modRevision: number,
  ): Promise<boolean> {
    const record: StoredCertificate = {
      certPem: tls.certPem,
      sealedKey: sealWithCaKey(this.options.clusterCa.keyPem, PURPOSE, tls.keyPem),
      names,
    };
    const result = await this.options.store.put(SERVER_CERTIFICATE_KEY, JSON.stringify(record), {
      ifModRevision: modRevision,
    });
    return result.ok;
  }
}

/** True when the certificate names every one of `names` (DNS names and IP addresses). */
function covers(certPem: string, names: readonly string[]): boolean {
  const cert = new X509Certificate(certPem);
  return names.every((n) => cert.checkHost(n) !== undefined || cert.checkIP(n) !== undefined);
}
