/** The registry pages' URLs, digests, platforms, token expiry and the registry address in commands. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  expiresAtOf,
  platformText,
  registryAddress,
  repositoryUrl,
  shortDigest,
} from '../src/ui/registry-format.js';

describe('registry page helpers', () => {
  it('keeps the slashes of a repository name in its dashboard URL and escapes the rest', () => {
    assert.equal(repositoryUrl('acme', 'app/web'), '/repositories/acme/app/web');
    assert.equal(repositoryUrl('acme', 'a b/c?d'), '/repositories/acme/a%20b/c%3Fd');
  });

  it('shortens a digest to 12 hex digits, and leaves a short one whole', () => {
    const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
    assert.equal(shortDigest(digest), 'sha256:0123456789ab…');
    assert.equal(shortDigest('sha256:abc'), 'sha256:abc');
  });

  it('names the platform, or says an index covers several', () => {
    const manifest = 'application/vnd.oci.image.manifest.v1+json';
    assert.equal(platformText({ platform: 'linux/arm64/v8', mediaType: manifest }), 'linux/arm64/v8');
    assert.equal(platformText({ mediaType: 'application/vnd.oci.image.index.v1+json' }), 'multi-platform');
    assert.equal(platformText({ mediaType: manifest }), '—');
  });

  it('turns a lifetime in days into an expiry time, and none into no expiry', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(expiresAtOf('30', now), '2026-01-31T00:00:00.000Z');
    assert.equal(expiresAtOf('', now), undefined);
  });

  it("uses the page's host name with the registry's port, bracketing IPv6 addresses", () => {
    assert.equal(registryAddress('stevedore.example.com'), 'stevedore.example.com:5443');
    assert.equal(registryAddress('::1'), '[::1]:5443');
    assert.equal(registryAddress('node-1', 15443), 'node-1:15443', 'the port the controller says');
    assert.equal(registryAddress(new URL('https://[::1]:8443/').hostname), '[::1]:5443');
  });
});
