// The `stevedore` command as a user runs it: through the bin shim that `npm ci` links.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/stevedore.js', import.meta.url));
const exec = promisify(execFile);

async function stevedore(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('stevedore command', () => {
  it('explains itself with --help', async () => {
    const { code, stdout } = await stevedore(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /Usage: stevedore/);
    assert.match(stdout, /config/);
  });

  it('prints the effective configuration as YAML', async () => {
    const { code, stdout } = await stevedore(['config', 'show'], {
      STEVEDORE_REGISTRY_LISTEN: '127.0.0.1:6000',
    });
    assert.equal(code, 0);
    assert.match(stdout, /listen: 127\.0\.0\.1:6000/);
  });

  it('refuses a wrong value with its code, the key and a non-zero exit, and no stack trace', async () => {
    const { code, stderr } = await stevedore(['config', 'show'], { STEVEDORE_STORE_KIND: 'postgres' });
    assert.equal(code, 2);
    assert.match(stderr, /^stevedore: INVALID_ARGUMENT: invalid configuration: store\.kind/);
    assert.doesNotMatch(stderr, /\n\s+at /);
  });

  it('answers an unknown command with a hint, not a crash', async () => {
    const { code, stderr } = await stevedore(['frobnicate']);
    assert.notEqual(code, 0);
    assert.match(stderr, /unknown command 'frobnicate'/);
  });
});
