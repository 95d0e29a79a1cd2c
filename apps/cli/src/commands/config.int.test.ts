// `stevedore config show|keys` on the built-in defaults alone, as a user runs them through the bin shim.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const bin = fileURLToPath(new URL('../../bin/stevedore.js', import.meta.url));

/** Runs the command with no config file and no STEVEDORE_* variables: only the defaults apply. */
async function onDefaults(args: string[]): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STEVEDORE_')));
  const { stdout } = await promisify(execFile)(process.execPath, [bin, ...args], { env });
  return stdout;
}

describe('stevedore config on defaults', () => {
  it('shows a configuration every command can start on, leaving the registry address to the command', async () => {
    const config = parse(await onDefaults(['config', 'show'])) as {
      dataDir: string;
      store: { kind: string };
      registry: { listen: string; auth: string; allowInsecureAuth: boolean };
    };
    assert.equal(config.dataDir, '/var/lib/stevedore');
    assert.equal(config.store.kind, 'sqlite');
    // `up` and `registry serve` each have their own default address and auth (registryDefaults).
    assert.deepEqual(
      [config.registry.listen, config.registry.auth, config.registry.allowInsecureAuth],
      [undefined, undefined, false],
    );
  });

  it('lists registry.auth and says which command defaults to which mode', async () => {
    const keys = await onDefaults(['config', 'keys']);
    assert.match(keys, /registry\.auth\n {2}env: STEVEDORE_REGISTRY_AUTH\n(?: {2}.*\n)*? {2}token: .*`up`/);
  });
});
