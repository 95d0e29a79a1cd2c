/**
 * `put` and `delete` are transactions with at most one compare; every Store implementation builds them
 * here, so the meaning of `ifModRevision` (0 = only if absent) is written once.
 */
import type { DeleteOptions, PutOptions, TxnRequest, TxnResult, WriteResult } from './contract.js';

function ifModRevision(key: string, revision: number | undefined): TxnRequest['compares'] {
  return revision === undefined ? [] : [{ key, target: 'modRevision', equals: revision }];
}

export function putRequest(key: string, value: string, options: PutOptions): TxnRequest {
  const { lease } = options;
  return {
    compares: ifModRevision(key, options.ifModRevision),
    success: [{ type: 'put', key, value, ...(lease === undefined ? {} : { lease }) }],
  };
}

export function deleteRequest(key: string, options: DeleteOptions): TxnRequest {
  return { compares: ifModRevision(key, options.ifModRevision), success: [{ type: 'delete', key }] };
}

export function writeResultOf(result: TxnResult): WriteResult {
  return { ok: result.succeeded, revision: result.revision };
}
