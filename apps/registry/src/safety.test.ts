import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isFailedPrecondition, isInvalidArgument } from '@stevedore/errors';
import { checkSafety, isLoopback, parseListen } from './safety.js';
import { startRegistry } from './server.js';

describe('start-up safety', () => {
  it('parses HOST:PORT, IPv6 in brackets, and port 0', () => {
    assert.deepEqual(parseListen('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListen('[::1]:5443'), { host: '::1', port: 5443 });
    assert.throws(() => parseListen('5443'), isInvalidArgument);
    assert.throws(() => parseListen('host:99999'), isInvalidArgument);
  });

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost'])
      assert.equal(isLoopback(host), true, host);
    for (const host of ['0.0.0.0', '10.0.0.1', '::', 'example.com'])
      assert.equal(isLoopback(host), false, host);
  });

  const refusals: [string, Parameters<typeof checkSafety>[0], RegExp][] = [
    [
      'plain HTTP off loopback, with token auth',
      { host: '10.0.0.1', auth: 'token', tls: false },
      /--tls-cert/,
    ],
    ['auth none off loopback', { host: '0.0.0.0', auth: 'none', tls: true }, /--allow-insecure-auth/],
    [
      'plain HTTP off loopback',
      { host: '10.0.0.1', auth: 'none', tls: false, allowInsecureAuth: true },
      /--tls-cert/,
    ],
  ];
  for (const [name, options, message] of refusals) {
    it(`refuses ${name}, saying what to do`, () =>
      assert.throws(
        () => checkSafety(options),
        (err) => isFailedPrecondition(err) && message.test((err as Error).message),
      ));
  }

  it('allows what was explicitly allowed', () => {
    checkSafety({ host: '127.0.0.1', auth: 'none', tls: false });
    checkSafety({ host: '0.0.0.0', auth: 'token', tls: true });
    checkSafety({ host: '0.0.0.0', auth: 'none', tls: false, allowInsecureAuth: true, allowPlainHttp: true });
  });

  it('startRegistry refuses before opening anything', async () => {
    await assert.rejects(
      startRegistry({ listen: '0.0.0.0:0', auth: 'none', dataDir: '/nonexistent' }),
      isFailedPrecondition,
    );
    await assert.rejects(
      startRegistry({ listen: '127.0.0.1:0', tlsCert: '/x.pem', dataDir: '/nonexistent' }),
      isInvalidArgument,
    );
  });
});
