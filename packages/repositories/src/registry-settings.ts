/**
 * The registry's cluster-wide settings (`/settings/registry`): today only whether anonymous clients may
 * pull public repositories (off by default). Read at every decision (authorizer.ts), so a change applies
 * to the next token issued on every controller without a watch.
 */
import { InvalidArgumentError } from '@stevedore/errors';
import { decode, encode } from '@stevedore/identity';
import type { Store } from '@stevedore/store';
import { repositoryKeys as keys } from './keys.js';
import { DEFAULT_REGISTRY_SETTINGS, registrySettingsSchema, type RegistrySettings } from './records.js';

export class RegistrySettingsStore {
  constructor(private readonly store: Store) {}

  async get(): Promise<RegistrySettings> {
    const kv = await this.store.get(keys.registrySettings);
    return kv ? decode(registrySettingsSchema, kv) : DEFAULT_REGISTRY_SETTINGS;
  }

  async set(patch: Partial<RegistrySettings>): Promise<RegistrySettings> {
    if (patch.anonymousPull !== undefined && typeof patch.anonymousPull !== 'boolean') {
      throw new InvalidArgumentError('anonymousPull must be true or false', {
        detail: { field: 'anonymousPull' },
      });
    }
    const next = { ...(await this.get()), ...patch };
    await this.store.put(keys.registrySettings, encode(next));
    return next;
  }
}
