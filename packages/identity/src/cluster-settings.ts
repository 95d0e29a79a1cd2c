/**
 * Settings an administrator changes at run time (the dashboard's Admin settings page, `PATCH
 * /api/v1/settings`): session lifetime, renewal threshold and per-user cap, and the lifetime of new client
 * bundles. The configuration file gives the defaults; a stored value (`/settings/cluster`) wins over them.
 *
 * Every controller watches the key, so a change made on one applies on all; the change also applies on the
 * controller that made it before the write's promise resolves. Sessions read the current values at each
 * login and renewal, so a shorter lifetime holds for sessions made from then on.
 */
import { z } from 'zod';
import { InvalidArgumentError } from '@stevedore/errors';
import { isCompacted, type Watch } from '@stevedore/store';
import type { IdentityContext } from './context.js';

export const CLUSTER_SETTINGS_KEY = '/settings/cluster';
const MINUTES_PER_YEAR = 60 * 24 * 365;

export const clusterSettingsSchema = z.strictObject({
  sessionLifetimeMinutes: z.number().int().min(5).max(MINUTES_PER_YEAR),
  sessionRenewalThresholdMinutes: z.number().int().min(0).max(MINUTES_PER_YEAR),
  maxSessionsPerUser: z.number().int().min(1).max(100),
  clientBundleLifetimeDays: z.number().int().min(1).max(3650),
});
export type ClusterSettingsValues = z.infer<typeof clusterSettingsSchema>;

export class ClusterSettings {
  private value: ClusterSettingsValues;
  private watch: Watch | undefined;
  private closed = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: IdentityContext,
    private readonly defaults: ClusterSettingsValues,
  ) {
    this.value = defaults;
  }

  current(): ClusterSettingsValues {
    return this.value;
  }

  /** Loads the stored values and follows changes made by any controller. */
  async start(): Promise<void> {
    const revision = await this.reload();
    this.loop = this.follow(revision);
  }

  async update(patch: Partial<ClusterSettingsValues>): Promise<ClusterSettingsValues> {
    const next = this.validate({ ...this.value, ...patch });
    await this.ctx.store.put(CLUSTER_SETTINGS_KEY, JSON.stringify(next));
    this.apply(next);
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watch?.close();
    await this.loop;
  }

  private validate(input: unknown): ClusterSettingsValues {
    const parsed = clusterSettingsSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.');
      throw new InvalidArgumentError(`setting ${field}: ${issue.message}`, { detail: { field } });
    }
    if (parsed.data.sessionRenewalThresholdMinutes >= parsed.data.sessionLifetimeMinutes) {
      throw new InvalidArgumentError(
        'sessionRenewalThresholdMinutes must be less than sessionLifetimeMinutes, or every use would renew',
        { detail: { field: 'sessionRenewalThresholdMinutes' } },
      );
    }
    return parsed.data;
  }

  private apply(values: ClusterSettingsValues): void {
    this.value = values;
    this.ctx.settings = {
      ...this.ctx.settings,
      sessions: {
        lifetimeMinutes: values.sessionLifetimeMinutes,
        renewalThresholdMinutes: values.sessionRenewalThresholdMinutes,
        perUserLimit: values.maxSessionsPerUser,
      },
    };
  }

  private async reload(): Promise<number> {
    const { kvs, revision } = await this.ctx.store.range(CLUSTER_SETTINGS_KEY);
    const stored = kvs.find((kv) => kv.key === CLUSTER_SETTINGS_KEY);
    this.applyStored(stored?.value);
    return revision;
  }

  /** A stored record that no longer validates (hand-edited, older schema) leaves the defaults in force. */
  private applyStored(text: string | undefined): void {
    if (text === undefined) return this.apply(this.defaults);
    try {
      this.apply(this.validate({ ...this.defaults, ...(JSON.parse(text) as object) }));
    } catch {
      this.apply(this.defaults);
    }
  }

  private async follow(fromRevision: number): Promise<void> {
    let revision = fromRevision;
    while (!this.closed) {
      try {
        this.watch = this.ctx.store.watch(CLUSTER_SETTINGS_KEY, { fromRevision: revision + 1 });
        for await (const event of this.watch) {
          revision = event.revision;
          if (event.type === 'delete') this.apply(this.defaults);
          else if (event.kv.key === CLUSTER_SETTINGS_KEY) this.applyStored(event.kv.value);
        }
      } catch (err) {
        if (this.closed) return;
        if (!isCompacted(err)) await new Promise((r) => setTimeout(r, 1000));
        revision = await this.reload().catch(() => revision);
      }
    }
  }
}
