import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '@stevedore/audit';
import { coalescingSink, requestAuditRecord } from './request-audit.js';
import type { Route } from './routes.js';

const manifest: Route = { kind: 'manifest', name: 'acme/app', reference: 'v1' };
const blob: Route = { kind: 'blob', name: 'acme/app', digest: `sha256:${'a'.repeat(64)}` };
const at = (route: Route | undefined, method: string, status: number, subject?: string) =>
  requestAuditRecord({ route, method, status, subject, remoteAddress: '10.0.0.7' });

describe('requestAuditRecord', () => {
  it('records pulls, pushes and deletes of manifests and deletes of blobs, by the token subject', () => {
    assert.deepEqual(at(manifest, 'GET', 200, 'alice'), {
      actor: 'alice',
      action: 'registry.pull',
      target: 'repository:acme/app:v1',
      remoteAddress: '10.0.0.7',
      result: 'success',
      status: 200,
    });
    assert.equal(at(manifest, 'PUT', 201, 'alice')?.action, 'registry.push');
    assert.equal(at(manifest, 'DELETE', 202, 'alice')?.action, 'registry.delete');
    assert.equal(at(blob, 'DELETE', 202, 'alice')?.target, `repository:acme/app:${blob.digest}`);
  });

  it('records refusals of a known caller, and anonymous pulls, but not the token dance', () => {
    assert.deepEqual(
      [at(manifest, 'PUT', 403, 'bob')?.result, at(manifest, 'PUT', 403, 'bob')?.actor],
      ['failure', 'bob'],
    );
    assert.equal(at(manifest, 'GET', 401, 'bob')?.status, 401, 'a token with nothing on the repository');
    assert.equal(at(manifest, 'GET', 200, '')?.actor, 'anonymous');
    assert.equal(at(manifest, 'GET', 401, undefined), undefined, 'every client first asks without a token');
  });

  it('leaves out blob reads, HEADs, uploads, listings and unknown routes', () => {
    assert.equal(at(blob, 'GET', 200, 'alice'), undefined);
    assert.equal(at(manifest, 'HEAD', 200, 'alice'), undefined);
    assert.equal(at({ kind: 'upload', name: 'acme/app', id: 'u1' }, 'PATCH', 202, 'alice'), undefined);
    assert.equal(at({ kind: 'tags', name: 'acme/app' }, 'GET', 200, 'alice'), undefined);
    assert.equal(at({ kind: 'catalog' }, 'GET', 200, 'alice'), undefined);
    assert.equal(at(undefined, 'GET', 404, 'alice'), undefined);
  });
});

describe('coalescingSink', () => {
  it('writes one entry with a count for the same request in one window, and others apart', async () => {
    const written: AuditRecord[] = [];
    const { sink, flush } = coalescingSink((r) => written.push(r), 60_000);
    const pull = at(manifest, 'GET', 200, 'alice')!;
    for (let i = 0; i < 500; i++) sink(pull);
    sink(at(manifest, 'GET', 200, 'bob')!);
    sink(at(manifest, 'PUT', 201, 'alice')!);
    assert.equal(written.length, 0, 'nothing before the window ends');
    flush();
    assert.deepEqual(
      written.map((r) => [r.actor, r.action, r.detail?.['count']]),
      [
        ['alice', 'registry.pull', 500],
        ['bob', 'registry.pull', undefined],
        ['alice', 'registry.push', undefined],
      ],
    );
    // The window's timer writes on its own too.
    const later: AuditRecord[] = [];
    const timed = coalescingSink((r) => later.push(r), 10);
    timed.sink(pull);
    const deadline = Date.now() + 20_000;
    while (later.length === 0) {
      assert.ok(Date.now() < deadline, 'the window flushes by itself');
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(later.length, 1);
  });
});
