/**
 * Settings an administrator changes at run time (the dashboard's Admin settings page, `PATCH
 * /api/v1/settings`): session lifetime, renewal threshold and per-user cap, and the lifetime of new client
 * bundles. The configuration file gives the defaults; a stored value (`/settings/cluster`) wins over them.
 *
 * Every controller follows the key (the Store's `follow`), so a change made on one applies on all; the
 * change also applies on the controller that made it before the write's promise resolves. Sessions read the
 * current values at each login and renewal, so a shorter lifetime holds for sessions made from then on.
 */
import { z } from 'zod';
import { InvalidArgumentError } from '@stevedore/errors';
import { follow, type Follower, type KeyValue, type WatchEvent } from '@stevedore/store';
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
  private follower: Follower | undefined;

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
    this.follower = follow(this.ctx.store, CLUSTER_SETTINGS_KEY, {
      onSnapshot: (kvs) => this.applyStored(kvs.find(isSettings)?.value),
      onRevision: (events) => {
        const last = events.findLast((e) => keyOf(e) === CLUSTER_SETTINGS_KEY);
        if (last) this.applyStored(last.type === 'put' ? last.kv.value : undefined);
      },
    });
    await this.follower.ready;
  }

  async update(patch: Partial<ClusterSettingsValues>): Promise<ClusterSettingsValues> {
    const next = this.validate({ ...this.value, ...patch });
    await this.ctx.store.put(CLUSTER_SETTINGS_KEY, JSON.stringify(next));
    this.apply(next);
    return next;
  }

  async close(): Promise<void> {
    await this.follower?.close();
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

  /** A stored record that no longer validates (hand-edited, older schema) leaves the defaults in force. */
  private applyStored(text: string | undefined): void {
    if (text === undefined) return this.apply(this.defaults);
    try {
      this.apply(this.validate({ ...this.defaults, ...(JSON.parse(text) as object) }));
    } catch {
      this.apply(this.defaults);
    }
  }
}

/** The prefix `/settings/cluster` also covers longer keys; only the exact one holds the settings. */
const isSettings = (kv: KeyValue): boolean => kv.key === CLUSTER_SETTINGS_KEY;
const keyOf = (event: WatchEvent): string => (event.type === 'put' ? event.kv.key : event.key);
