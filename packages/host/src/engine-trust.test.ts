import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeAddresses, registryTrustName, trustRegistryCa } from './engine-trust.js';

const dir = await mkdtemp(join(tmpdir(), 'stevedore-certs-d-'));
after(() => rm(dir, { recursive: true, force: true }));
const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('trustRegistryCa', () => {
  it('writes the CA for every name the registry is reached by, in the engine layout', async () => {
    const written = await trustRegistryCa({
      certsDir: dir,
      hosts: ['registry.example', '10.0.0.5', '::1', '10.0.0.5'],
      port: 5443,
      caPem: ca,
    });
    assert.deepEqual((await readdir(dir)).sort(), ['10.0.0.5:5443', '[::1]:5443', 'registry.example:5443']);
    assert.equal(written.length, 3);
    for (const name of ['10.0.0.5:5443', 'registry.example:5443', '[::1]:5443']) {
      assert.equal(await readFile(join(dir, name, 'ca.crt'), 'utf8'), ca);
      assert.equal((await stat(join(dir, name, 'ca.crt'))).mode & 0o777, 0o644);
    }
  });

  it('rewrites only what changed, leaving no temporary file behind', async () => {
    assert.deepEqual(
      await trustRegistryCa({ certsDir: dir, hosts: ['10.0.0.5'], port: 5443, caPem: ca }),
      [],
    );
    const next = ca.replace('MIIB', 'MIIC');
    const written = await trustRegistryCa({ certsDir: dir, hosts: ['10.0.0.5'], port: 5443, caPem: next });
    assert.deepEqual(written, [join(dir, '10.0.0.5:5443')]);
    assert.equal(await readFile(join(dir, '10.0.0.5:5443', 'ca.crt'), 'utf8'), next);
    assert.deepEqual(await readdir(join(dir, '10.0.0.5:5443')), ['ca.crt']);
  });

  it('names IPv6 addresses in brackets, as the engine looks them up', () => {
    assert.equal(registryTrustName('fd00::1', 5443), '[fd00::1]:5443');
    assert.equal(registryTrustName('node-1', 5443), 'node-1:5443');
  });
});

describe('nodeAddresses', () => {
  it('lists the addresses other machines reach this node at, without the engine bridges', () => {
    const info = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({
      address,
      family,
      internal,
      netmask: '',
      mac: '',
      cidr: null,
      ...(family === 'IPv6' ? { scopeid: 0 } : {}),
    });
    const addresses = nodeAddresses({
      lo: [info('127.0.0.1', 'IPv4', true), info('::1', 'IPv6', true)],
      eth0: [info('10.1.2.3', 'IPv4'), info('fe80::1', 'IPv6'), info('fd00::3', 'IPv6')],
      docker0: [info('172.17.0.1', 'IPv4')],
      docker_gwbridge: [info('172.18.0.1', 'IPv4')],
      'br-1a2b': [info('172.19.0.1', 'IPv4')],
      veth12: [info('fe80::2', 'IPv6')],
    } as Parameters<typeof nodeAddresses>[0]);
    assert.deepEqual(addresses, ['10.1.2.3', 'fd00::3']);
  });
});
