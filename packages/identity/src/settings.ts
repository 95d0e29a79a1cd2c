/**
 * Identity's tunables with UCP's defaults. All of them can be given per controller (and tests lower the KDF
 * cost here, never in production code paths).
 */

export interface KdfSettings {
  /** scrypt cost N = 2^log2N */
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
}

export interface SessionSettings {
  /** How long a session lasts (UCP: 4320 min = 72 h). */
  readonly lifetimeMinutes: number;
  /** A session used this close to its expiry is extended by a full lifetime from then (UCP: 1440 min). */
  readonly renewalThresholdMinutes: number;
  /** At most this many sessions per user; a new one drops the oldest (UCP: 5). */
  readonly perUserLimit: number;
}

export interface ThrottleSettings {
  /** This many failed logins within `windowSeconds` lock the user name (or the address) out. */
  readonly maxFailures: number;
  readonly windowSeconds: number;
  /** The first lockout; each further one doubles, up to `maxLockoutSeconds`. */
  readonly lockoutSeconds: number;
  readonly maxLockoutSeconds: number;
}

export interface IdentitySettings {
  readonly kdf: KdfSettings;
  readonly sessions: SessionSettings;
  readonly throttle: ThrottleSettings;
  /** Passwords shorter than this are refused. */
  readonly minPasswordLength: number;
}

export const DEFAULT_SETTINGS: IdentitySettings = {
  kdf: { log2N: 15, r: 8, p: 1 },
  sessions: { lifetimeMinutes: 4320, renewalThresholdMinutes: 1440, perUserLimit: 5 },
  throttle: { maxFailures: 5, windowSeconds: 300, lockoutSeconds: 30, maxLockoutSeconds: 900 },
  minPasswordLength: 8,
};

export interface IdentitySettingsInput {
  readonly kdf?: Partial<KdfSettings>;
  readonly sessions?: Partial<SessionSettings>;
  readonly throttle?: Partial<ThrottleSettings>;
  readonly minPasswordLength?: number;
}

export function resolveSettings(input: IdentitySettingsInput = {}): IdentitySettings {
  return {
    kdf: { ...DEFAULT_SETTINGS.kdf, ...input.kdf },
    sessions: { ...DEFAULT_SETTINGS.sessions, ...input.sessions },
    throttle: { ...DEFAULT_SETTINGS.throttle, ...input.throttle },
    minPasswordLength: input.minPasswordLength ?? DEFAULT_SETTINGS.minPasswordLength,
  };
}
