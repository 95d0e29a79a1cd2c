import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import {
  isAlreadyExists,
  isFailedPrecondition,
  isInvalidArgument,
  isUnauthenticated,
} from '@stevedore/errors';
import { createCertificateAuthority, createKeyAndCsr, publicKeyIdOf } from '@stevedore/pki';
import { createMemoryStore } from '@stevedore/store';
import { ClusterMembership, nodeDnsName } from './membership.js';
import { caDigestOf, formatJoinToken, parseJoinToken } from './join-token.js';
import { JOIN_TOKENS_KEY } from './join-tokens.js';

async function cluster() {
  const store = createMemoryStore();
  const ca = await createCertificateAuthority({ commonName: 'cluster CA', validityDays: 30 });
  return { store, ca, membership: new ClusterMembership(store, ca) };
}

describe('join tokens', () => {
  it('carry the digest of the cluster CA, are made once and kept sealed in the Store', async () => {
    const { store, ca, membership } = await cluster();
    const [a, b] = await Promise.all([membership.tokens.tokens(), membership.tokens.tokens()]);
    assert.deepEqual(a, b, 'two controllers asking at once agree');
    assert.notEqual(a.worker, a.manager);
    for (const token of [a.worker, a.manager]) {
      assert.match(token, /^SDTKN-1-[0-9a-f]{64}-[0-9a-f]{40}$/);
      assert.equal(parseJoinToken(token).caDigest, caDigestOf(ca.certPem));
    }
    const stored = (await store.get(JOIN_TOKENS_KEY))!.value;
    for (const token of [a.worker, a.manager]) {
      assert.equal(stored.includes(parseJoinToken(token).secret), false, 'no secret in clear in the Store');
    }
  });

  it('say the role by their secret; a rotated token is refused, the other still works', async () => {
    const { membership } = await cluster();
    const before = await membership.tokens.tokens();
    assert.equal(await membership.roleOf(before.worker), 'worker');
    assert.equal(await membership.roleOf(before.manager), 'manager');
    const after = await membership.tokens.rotate(['worker']);
    assert.notEqual(after.worker, before.worker);
    assert.equal(after.manager, before.manager);
    await assert.rejects(membership.roleOf(before.worker), (err: Error) => {
      assert.ok(isUnauthenticated(err));
      assert.match(err.message, /not valid any more .*rotated/);
      return true;
    });
    assert.equal(await membership.roleOf(after.worker), 'worker');
  });

  it("refuse another cluster's token and say so, and a malformed one with what a token looks like", async () => {
    const { membership } = await cluster();
    const other = await cluster();
    const foreign = (await other.membership.tokens.tokens()).worker;
    await assert.rejects(membership.roleOf(foreign), (err: Error) => {
      assert.ok(isFailedPrecondition(err));
      assert.match(err.message, /for another cluster/);
      return true;
    });
    for (const bad of ['', 'SWMTKN-1-abc-def', `SDTKN-1-${'a'.repeat(64)}-short`]) {
      await assert.rejects(membership.roleOf(bad), (err: Error) => {
        assert.ok(isInvalidArgument(err));
        assert.match(err.message, /SDTKN-1-<64 hex digits>-<40 hex digits>/);
        return true;
      });
    }
    const guessed = formatJoinToken(membership.tokens.caDigest, '0'.repeat(40));
    await assert.rejects(membership.roleOf(guessed), (err) => isUnauthenticated(err));
  });
});

describe('joining', () => {
  it("issues a certificate for the node's own key, naming node id, role and cluster, and records the node", async () => {
    const { ca, membership } = await cluster();
    const { manager } = await membership.tokens.tokens();
    const { keyPem, csrPem } = await createKeyAndCsr('node-1');
    const joined = await membership.join({ token: manager, csrPem, hostname: 'node-1', address: '10.0.0.7' });
    const cert = new X509Certificate(joined.certificatePem);
    assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
    assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(keyPem)), "the node's key");
    assert.match(cert.subject, new RegExp(`CN=${joined.node.id}`));
    assert.match(cert.subject, /OU=manager/);
    assert.match(cert.subject, new RegExp(`O=${membership.clusterId}`));
    // Only the name the manager chose: a node cannot have the cluster CA vouch for a name it asked for.
    assert.equal(cert.subjectAltName, `DNS:${nodeDnsName(joined.node.id)}`);
    assert.equal(joined.node.role, 'manager');
    assert.deepEqual(await membership.nodes.byKeyId(publicKeyIdOf(joined.certificatePem)), joined.node);
    await membership.nodes.remove(joined.node.id);
    assert.equal(await membership.nodes.byKeyId(joined.node.keyId), undefined, 'revoked with the record');
  });

  it('takes the subject from the manager, not from the request, and refuses bad input before writing', async () => {
    const { membership } = await cluster();
    const { worker } = await membership.tokens.tokens();
    const { csrPem } = await createKeyAndCsr('manager-please');
    const joined = await membership.join({ token: worker, csrPem, hostname: 'w1' });
    assert.match(new X509Certificate(joined.certificatePem).subject, /OU=worker/);
    assert.doesNotMatch(new X509Certificate(joined.certificatePem).subject, /manager-please/);
    const before = await membership.nodes.list();
    // The same request with one letter of its subject changed: its signature no longer verifies.
    const der = Buffer.from(csrPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    der[der.indexOf('manager-please')] = 'M'.charCodeAt(0);
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    for (const [request, pattern] of [
      [{ token: worker, csrPem: 'not a csr', hostname: 'w2' }, /PEM certificate signing request/],
      [{ token: worker, csrPem: tampered, hostname: 'w2' }, /signature does not verify/],
      [{ token: worker, csrPem, hostname: 'bad host!' }, /not a valid host name/],
      [{ token: worker, csrPem, hostname: 'w2', address: 'nowhere' }, /not an IP address/],
    ] as const) {
      await assert.rejects(membership.join(request), (err: Error) => {
        assert.ok(isInvalidArgument(err), String(err));
        assert.match(err.message, pattern);
        return true;
      });
    }
    assert.deepEqual(await membership.nodes.list(), before, 'nothing recorded by a refused join');
  });
  it("renews a member's certificate for a new key in the swarm's role: the replaced key lasts a grace period, one key is one node", async () => {
    const { membership } = await cluster();
    const { worker } = await membership.tokens.tokens();
    const first = await createKeyAndCsr('w1');
    const joined = await membership.join({ token: worker, csrPem: first.csrPem, hostname: 'w1' });
    await assert.rejects(
      membership.join({ token: worker, csrPem: first.csrPem, hostname: 'w1-again' }),
      (err: Error) => isAlreadyExists(err),
      'the same key cannot be a second node',
    );
    const second = await createKeyAndCsr('w1');
    const renewed = await membership.renew(joined.node.id, second.csrPem);
    const cert = new X509Certificate(renewed.certificatePem);
    assert.match(cert.subject, new RegExp(`CN=${joined.node.id}`));
    assert.match(cert.subject, /OU=worker/);
    assert.equal(
      (await membership.nodes.byKeyId(joined.node.keyId))?.id,
      joined.node.id,
      'the replaced key is still accepted for a while (a lost answer does not lock the node out)',
    );
    const third = await createKeyAndCsr('w1');
    const demoted = await membership.renew(joined.node.id, third.csrPem, 'worker');
    assert.equal(await membership.nodes.byKeyId(joined.node.keyId), undefined, 'the key before is refused');
    assert.equal(demoted.node.role, 'worker');
    assert.equal((await membership.nodes.byKeyId(publicKeyIdOf(renewed.certificatePem)))?.id, joined.node.id);
    await membership.nodes.remove(joined.node.id);
    await assert.rejects(membership.renew(joined.node.id, second.csrPem), (err: Error) =>
      isUnauthenticated(err),
    );
  });
});
