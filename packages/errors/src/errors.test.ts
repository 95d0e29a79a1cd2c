import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ERROR_CODES,
  NotFoundError,
  InvalidArgumentError,
  ResourceExhaustedError,
  isNotFound,
  isInvalidArgument,
  httpStatusOf,
  toErrorResponse,
} from './index.js';

describe('errors', () => {
  it('gives every code a distinct, sensible HTTP status', () => {
    for (const code of ERROR_CODES) {
      const status = httpStatusOf(code);
      assert.ok(status >= 400 && status < 600, `${code} -> ${status}`);
    }
    assert.equal(httpStatusOf('NOT_FOUND'), 404);
    assert.equal(httpStatusOf('UNAUTHENTICATED'), 401);
    assert.equal(httpStatusOf('RESOURCE_EXHAUSTED'), 429);
  });

  it('classifies by code, not by class identity of the message', () => {
    const err = new NotFoundError('repository "a/b" not found');
    assert.equal(isNotFound(err), true);
    assert.equal(isInvalidArgument(err), false);
    assert.equal(isNotFound(new Error('not found')), false);
  });

  it('serializes known errors with code, message and detail', () => {
    const res = toErrorResponse(new InvalidArgumentError('bad port', { detail: { field: 'listen' } }));
    assert.equal(res.status, 400);
    assert.equal(res.unexpected, false);
    assert.deepEqual(res.body, {
      error: { code: 'INVALID_ARGUMENT', message: 'bad port', detail: { field: 'listen' } },
    });
  });

  it('never leaks the message or stack of an unexpected error', () => {
    const res = toErrorResponse(new Error('password=hunter2 at /etc/secret'));
    assert.equal(res.status, 500);
    assert.equal(res.unexpected, true);
    assert.equal(res.body.error.code, 'INTERNAL');
    assert.doesNotMatch(JSON.stringify(res.body), /hunter2|secret/);
  });

  it('keeps the cause for server-side logs but not in the body', () => {
    const cause = new Error('sqlite busy');
    const err = new ResourceExhaustedError('too many requests', { cause });
    assert.equal(err.cause, cause);
    assert.doesNotMatch(JSON.stringify(toErrorResponse(err).body), /sqlite/);
  });
});
