import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '@stevedore/errors';
import { checkPassword, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { DEFAULT_SETTINGS } from './settings.js';

describe('password hashing', () => {
  it('hashes with the production parameters, which are stored in the hash', async () => {
    const hash = await hashPassword('correct horse', DEFAULT_SETTINGS.kdf);
    assert.match(hash, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    assert.equal(await verifyPassword('correct horse', hash), true);
    assert.equal(await verifyPassword('correct horsE', hash), false);
    assert.equal(needsRehash(hash, DEFAULT_SETTINGS.kdf), false);
    assert.equal(needsRehash(hash, { ...DEFAULT_SETTINGS.kdf, log2N: 16 }), true);
  });

  it('salts every hash and treats a malformed hash as a mismatch', async () => {
    const kdf = { log2N: 8, r: 8, p: 1 };
    assert.notEqual(await hashPassword('same password', kdf), await hashPassword('same password', kdf));
    for (const bad of ['', 'plain', '$scrypt$ln=99,r=8,p=1$AAAA$AAAA', '$bcrypt$xyz']) {
      assert.equal(await verifyPassword('anything', bad), false);
    }
  });

  it('refuses short passwords with a message that says the rule', () => {
    assert.throws(
      () => checkPassword('seven77', 8),
      (err) => isInvalidArgument(err) && /at least 8/.test(String(err)),
    );
    assert.equal(checkPassword('eight888', 8), 'eight888');
    assert.throws(() => checkPassword('x'.repeat(1025), 8), isInvalidArgument);
  });
});
