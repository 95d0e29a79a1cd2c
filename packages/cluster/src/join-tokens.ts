/**
 * The cluster's two join tokens in the Store, at `/cluster/join-tokens`: `{ worker, manager, rotatedAt }`,
 * each secret sealed under the cluster CA's key (pki's sealWithCaKey), since etcd keeps values in clear and
 * a secret is a credential. Made by the first call that needs them (a transaction that writes only when the
 * record is absent, so two controllers agree); `rotate` replaces one or both, and the old ones stop working
 * at once for new joins (nodes already joined keep their certificates).
 */
import { FailedPreconditionError } from '@stevedore/errors';
import { sealWithCaKey, unsealWithCaKey, type KeyAndCertificate } from '@stevedore/pki';
import type { Store } from '@stevedore/store';
import { z } from 'zod';
import { caDigestOf, formatJoinToken, newJoinSecret, type NodeRole } from './join-token.js';

export const JOIN_TOKENS_KEY = '/cluster/join-tokens';
const PURPOSE = 'cluster join token';

const recordSchema = z.object({ worker: z.string(), manager: z.string(), rotatedAt: z.string() });
type Record_ = z.infer<typeof recordSchema>;

export interface JoinTokens {
  readonly worker: string;
  readonly manager: string;
  readonly rotatedAt: string;
}

export interface JoinSecrets {
  readonly worker: string;
  readonly manager: string;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

export class JoinTokenStore {
  private readonly digest: string;

  constructor(
    private readonly store: Store,
    private readonly ca: KeyAndCertificate,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.digest = caDigestOf(ca.certPem);
  }

  /** The digest of this cluster's root CA, as tokens carry it. */
  get caDigest(): string {
    return this.digest;
  }

  /** Both tokens, made on the first call. */
  async tokens(): Promise<JoinTokens> {
    const { record, secrets } = await this.read();
    return {
      worker: formatJoinToken(this.digest, secrets.worker),
      manager: formatJoinToken(this.digest, secrets.manager),
      rotatedAt: record.rotatedAt,
    };
  }

  /** The current secrets, for checking a presented token. */
  async secrets(): Promise<JoinSecrets> {
    return (await this.read()).secrets;
  }

  /**
   * New secrets for `roles` (both when absent); the replaced tokens are refused from now on. A transaction
   * on the record's revision, retried, so two rotations at once never undo each other.
   */
  async rotate(roles: readonly NodeRole[] = ['worker', 'manager']): Promise<JoinTokens> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const kv = await this.store.get(JOIN_TOKENS_KEY);
      // Only a record that cannot be read is replaced whole; a Store that fails fails the rotation.
      const secrets = kv ? this.decode(kv.value, { orUndefined: true })?.secrets : undefined;
      const next = {
        worker: roles.includes('worker') || !secrets ? newJoinSecret() : secrets.worker,
        manager: roles.includes('manager') || !secrets ? newJoinSecret() : secrets.manager,
      };
      const txn = await this.store.txn({
        compares: [{ key: JOIN_TOKENS_KEY, target: 'modRevision', equals: kv?.modRevision ?? 0 }],
        success: [{ type: 'put', key: JOIN_TOKENS_KEY, value: JSON.stringify(this.seal(next)) }],
        failure: [],
      });
      if (txn.succeeded) return this.tokens();
    }
    throw new FailedPreconditionError('the join tokens kept changing while they were rotated; try again');
  }

  private seal(secrets: JoinSecrets): Record_ {
    return {
      worker: sealWithCaKey(this.ca.keyPem, PURPOSE, secrets.worker),
      manager: sealWithCaKey(this.ca.keyPem, PURPOSE, secrets.manager),
      rotatedAt: this.now().toISOString(),
    };
  }

  private async read(): Promise<{ record: Record_; secrets: JoinSecrets }> {
    let value = (await this.store.get(JOIN_TOKENS_KEY))?.value;
    if (value === undefined) {
      const record = this.seal({ worker: newJoinSecret(), manager: newJoinSecret() });
      const txn = await this.store.txn({
        compares: [{ key: JOIN_TOKENS_KEY, target: 'modRevision', equals: 0 }],
        success: [{ type: 'put', key: JOIN_TOKENS_KEY, value: JSON.stringify(record) }],
        failure: [{ type: 'get', key: JOIN_TOKENS_KEY }],
      });
      value = txn.succeeded ? JSON.stringify(record) : txn.results[0]?.value;
      if (value === undefined)
        throw new FailedPreconditionError('the join token record vanished while it was made; retry');
    }
    return this.decode(value, { orUndefined: false })!;
  }

  private decode(
    value: string,
    options: { orUndefined: boolean },
  ): { record: Record_; secrets: JoinSecrets } | undefined {
    const parsed = recordSchema.safeParse(parseJson(value));
    const unreadable = () =>
      new FailedPreconditionError(
        `the join token record at ${JOIN_TOKENS_KEY} cannot be read; rotate the tokens to make new ones`,
      );
    if (!parsed.success) {
      if (options.orUndefined) return undefined;
      throw unreadable();
    }
    const record = parsed.data;
    try {
      return {
        record,
        secrets: {
          worker: unsealWithCaKey(this.ca.keyPem, PURPOSE, record.worker),
          manager: unsealWithCaKey(this.ca.keyPem, PURPOSE, record.manager),
        },
      };
    } catch (err) {
      if (options.orUndefined) return undefined;
      throw err;
    }
  }
}
