import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requestAuditRecord } from './request-audit.js';
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
