import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInvalidArgument, type InvalidArgumentError } from '@stevedore/errors';
import { CONFIG_KEYS, loadConfig, registryDefaults } from './index.js';

const dir = await mkdtemp(join(tmpdir(), 'stevedore-config-'));
after(() => rm(dir, { recursive: true, force: true }));

async function yamlFile(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

async function refusal(promise: Promise<unknown>): Promise<InvalidArgumentError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isInvalidArgument(err), `expected INVALID_ARGUMENT, got ${String(err)}`);
    return err as InvalidArgumentError;
  }
  assert.fail('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('gives a complete, runnable configuration from defaults alone', async () => {
    const config = await loadConfig({ env: {} });
    assert.equal(config.version, 1);
    assert.equal(config.dataDir, '/var/lib/stevedore');
    assert.equal(config.store.kind, 'sqlite');
    // The registry's address and auth depend on the command: `up` serves the platform's registry with
    // token auth on every interface, `registry serve` a standalone one without auth on loopback.
    assert.equal(config.registry.listen, undefined);
    assert.equal(config.registry.auth, undefined);
    assert.deepEqual(registryDefaults('up'), { listen: '0.0.0.0:5443', auth: 'token' });
    assert.deepEqual(registryDefaults('serve'), { listen: '127.0.0.1:5443', auth: 'none' });
    assert.equal(config.registry.allowInsecureAuth, false);
    assert.equal(config.registry.engineCertsDir, '/etc/docker/certs.d');
    assert.equal(config.controller.listen, '0.0.0.0:8443');
  });

  it('layers file < environment < flags', async () => {
    const file = await yamlFile(
      'layers.yaml',
      'version: 1\ndataDir: /srv/a\nregistry:\n  listen: 127.0.0.1:1000\n  maxManifestBytes: 2048\n',
    );
    const fromFile = await loadConfig({ file, env: {} });
    assert.equal(fromFile.dataDir, '/srv/a');
    assert.equal(fromFile.registry.maxManifestBytes, 2048);

    const env = {
      STEVEDORE_REGISTRY_LISTEN: '127.0.0.1:2000',
      STEVEDORE_STORE_ETCD_ENDPOINTS: 'http://127.0.0.1:2379, http://127.0.0.2:2379',
    };
    const withEnv = await loadConfig({ file, env });
    assert.equal(withEnv.registry.listen, '127.0.0.1:2000');
    assert.deepEqual(withEnv.store.etcdEndpoints, ['http://127.0.0.1:2379', 'http://127.0.0.2:2379']);
    assert.equal(withEnv.dataDir, '/srv/a', 'keys not overridden keep the file value');

    const withFlags = await loadConfig({
      file,
      env,
      flags: [{ path: 'registry.listen', value: '[::1]:3000', flag: '--listen' }],
    });
    assert.equal(withFlags.registry.listen, '[::1]:3000');
  });

  it('coerces booleans and numbers from the environment', async () => {
    const config = await loadConfig({
      env: { STEVEDORE_REGISTRY_ALLOW_PLAIN_HTTP: 'true', STEVEDORE_REGISTRY_MAX_MANIFEST_BYTES: '65536' },
    });
    assert.equal(config.registry.allowPlainHttp, true);
    assert.equal(config.registry.maxManifestBytes, 65536);
  });

  const refusals: {
    name: string;
    options: () => Promise<Parameters<typeof loadConfig>[0]>;
    mentions: RegExp[];
  }[] = [
    {
      name: 'a bad listen address from the environment names the key and the variable',
      options: () => Promise.resolve({ env: { STEVEDORE_REGISTRY_LISTEN: 'localhost' } }),
      mentions: [/registry\.listen/, /STEVEDORE_REGISTRY_LISTEN/, /HOST:PORT/],
    },
    {
      name: 'a port out of range from a flag names the flag',
      options: () =>
        Promise.resolve({
          env: {},
          flags: [{ path: 'controller.listen', value: '0.0.0.0:70000', flag: '--listen' }],
        }),
      mentions: [/controller\.listen/, /flag --listen/, /1 to 65535/],
    },
    {
      name: 'an unknown store kind lists the allowed ones',
      options: () => Promise.resolve({ env: { STEVEDORE_STORE_KIND: 'postgres' } }),
      mentions: [/store\.kind/, /"sqlite", "etcd", "memory"/],
    },
    {
      name: 'an unknown key in the file is refused',
      options: async () => ({
        env: {},
        file: await yamlFile('unknown.yaml', 'registry:\n  listn: 127.0.0.1:1\n'),
      }),
      mentions: [/listn/, /config file/],
    },
    {
      name: 'a future config version is refused',
      options: async () => ({ env: {}, file: await yamlFile('v2.yaml', 'version: 2\n') }),
      mentions: [/version/],
    },
    {
      name: 'a relative data dir is refused',
      options: () => Promise.resolve({ env: { STEVEDORE_DATA_DIR: 'var/lib' } }),
      mentions: [/dataDir/, /absolute path/],
    },
    {
      name: 'a non-boolean is refused',
      options: () => Promise.resolve({ env: { STEVEDORE_REGISTRY_ALLOW_PLAIN_HTTP: 'yes' } }),
      mentions: [/registry\.allowPlainHttp/, /boolean/],
    },
    {
      name: 'a mistyped environment variable is refused, not ignored',
      options: () => Promise.resolve({ env: { STEVEDORE_REGISTRY_LISTN: '127.0.0.1:1' } }),
      mentions: [/STEVEDORE_REGISTRY_LISTN/, /STEVEDORE_REGISTRY_LISTEN/],
    },
    {
      name: 'a file that is not YAML says so',
      options: async () => ({ env: {}, file: await yamlFile('broken.yaml', 'registry: [unclosed\n') }),
      mentions: [/not valid YAML/],
    },
    {
      name: 'a missing file says which',
      options: () => Promise.resolve({ env: {}, file: join(dir, 'absent.yaml') }),
      mentions: [/cannot read config file/, /absent\.yaml/],
    },
  ];
  for (const { name, options, mentions } of refusals) {
    it(`refuses: ${name}`, async () => {
      const err = await refusal(options().then((o) => loadConfig(o)));
      for (const re of mentions) assert.match(err.message, re);
    });
  }

  it('ignores secrets and tooling variables that are not configuration keys', async () => {
    const config = await loadConfig({
      env: { STEVEDORE_ADMIN_PASSWORD: 'x', STEVEDORE_TEST_CONCURRENCY: '2' },
    });
    assert.equal(config.version, 1);
  });

  it('documents every key in docs/configuration.md', async () => {
    const doc = await readFile(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    for (const key of CONFIG_KEYS) {
      assert.ok(doc.includes(`\`${key.path}\``), `docs/configuration.md does not mention ${key.path}`);
      if (key.path !== 'version') {
        assert.ok(doc.includes(`\`${key.env}\``), `docs/configuration.md does not mention ${key.env}`);
      }
    }
  });
});
