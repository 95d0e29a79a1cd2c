/**
 * Login sessions. Each lives at `/auth/sessions/<sha256(token)>` with its expiry; the user's sessions are
 * also listed, oldest first, in one index key, and a new session commits only if that index is unchanged,
 * so the per-user cap holds under concurrent logins (the oldest live sessions are dropped in the same commit).
 *
 * Expiry and renewal (UCP's): a session lasts `lifetimeMinutes`; used within `renewalThresholdMinutes` of
 * its end, it is extended to a full lifetime from then. Expired sessions are refused and deleted when
 * seen; `prune()` sweeps the rest. Renewal is best-effort: if two requests renew at once, one write wins
 * and both requests are served.
 */
import { UnauthenticatedError } from '@stevedore/errors';
import type { KeyValue } from '@stevedore/store';
import type { IdentityContext } from './context.js';
import { identityKeys as keys } from './keys.js';
import {
  decode,
  encode,
  sessionIndexSchema,
  sessionSchema,
  userSchema,
  type SessionRecord,
} from './records.js';
import { hashSecret, newSecret } from './secrets.js';
import { commit, retrying, TxnBuilder } from './txn.js';

export interface NewSession {
  readonly token: string;
  /** epoch ms */
  readonly expiresAt: number;
}

const MINUTE = 60_000;

export class Sessions {
  constructor(private readonly ctx: IdentityContext) {}

  private get lifetimeMs(): number {
    return this.ctx.settings.sessions.lifetimeMinutes * MINUTE;
  }

  /** Creates a session for an existing, active user; Unauthenticated if the user vanished meanwhile. */
  async create(user: string, remoteAddress: string | null): Promise<NewSession> {
    const { store } = this.ctx;
    const token = newSecret();
    const hash = hashSecret(token);
    const limit = Math.max(1, this.ctx.settings.sessions.perUserLimit);
    return retrying('create the session', async () => {
      const [userKv, indexKv] = await Promise.all([
        store.get(keys.user(user)),
        store.get(keys.sessionIndex(user)),
      ]);
      if (!userKv || !decode(userSchema, userKv).active)
        throw new UnauthenticatedError('invalid username or password');
      const now = this.ctx.now();
      const listed = indexKv ? decode(sessionIndexSchema, indexKv).sessions : [];
      const records = await Promise.all(listed.map((s) => store.get(keys.session(s.hash))));
      const txn = new TxnBuilder()
        .expectUnchanged(userKv.key, userKv)
        .expectUnchanged(keys.sessionIndex(user), indexKv);
      const live = listed.filter((s, i) => {
        const kv = records[i];
        const alive = kv !== undefined && decode(sessionSchema, kv).expiresAt > now;
        if (kv && !alive) txn.delete(kv.key);
        return alive;
      });
      // The cap counts the new session: drop the oldest until there is room for it.
      for (const oldest of live.splice(0, Math.max(0, live.length - limit + 1)))
        txn.delete(keys.session(oldest.hash));
      const record: SessionRecord = { user, createdAt: now, expiresAt: now + this.lifetimeMs, remoteAddress };
      live.push({ hash, createdAt: now });
      txn.put(keys.session(hash), encode(record)).put(keys.sessionIndex(user), encode({ sessions: live }));
      const revision = await commit(store, txn);
      return revision === undefined ? undefined : { token, expiresAt: record.expiresAt };
    });
  }

  /** The live session for `token` (renewed if due), or undefined when unknown or expired. */
  async lookup(token: string): Promise<SessionRecord | undefined> {
    const kv = await this.ctx.store.get(keys.session(hashSecret(token)));
    if (!kv) return undefined;
    const record = decode(sessionSchema, kv);
    const now = this.ctx.now();
    if (record.expiresAt <= now) {
      await commit(this.ctx.store, new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key));
      return undefined;
    }
    if (record.expiresAt - now <= this.ctx.settings.sessions.renewalThresholdMinutes * MINUTE) {
      const renewed = { ...record, expiresAt: now + this.lifetimeMs };
      await commit(this.ctx.store, new TxnBuilder().expectUnchanged(kv.key, kv).put(kv.key, encode(renewed)));
      return renewed;
    }
    return record;
  }

  /** Ends the session (logout). Unknown or already ended sessions are not an error. */
  async revoke(token: string): Promise<void> {
    const { store } = this.ctx;
    const hash = hashSecret(token);
    await retrying('end the session', async () => {
      const kv = await store.get(keys.session(hash));
      if (!kv) return true;
      const user = decode(sessionSchema, kv).user;
      const indexKv = await store.get(keys.sessionIndex(user));
      const txn = new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key);
      if (indexKv) {
        const sessions = decode(sessionIndexSchema, indexKv).sessions.filter((s) => s.hash !== hash);
        txn.expectUnchanged(indexKv.key, indexKv).put(indexKv.key, encode({ sessions }));
      }
      return (await commit(store, txn)) === undefined ? undefined : true;
    });
  }

  /** Deletes every expired session; returns how many. For a periodic sweep by the controller. */
  async prune(): Promise<number> {
    const now = this.ctx.now();
    let pruned = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.ctx.store.range(keys.sessions, { after, limit: 500 });
      const expired = page.kvs.filter((kv: KeyValue) => decode(sessionSchema, kv).expiresAt <= now);
      for (const kv of expired) {
        const ok = await commit(this.ctx.store, new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key));
        if (ok !== undefined) pruned++;
      }
      if (!page.more) return pruned;
      after = page.kvs.at(-1)?.key;
    }
  }
}
