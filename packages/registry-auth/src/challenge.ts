/**
 * The `WWW-Authenticate` challenge of a registry refusal (RFC 6750 section 3, as docker reads it):
 * `Bearer realm="…",service="…",scope="…"`, plus `error="insufficient_scope"` when a valid token lacked the
 * access. Several scopes go space-separated in the one `scope` parameter, the form distribution sends and
 * clients pass on to the token service.
 */
import { type Scope, formatScope } from './scope.js';

export interface ChallengeOptions {
  /** The token service's URL. */
  readonly realm: string;
  /** The audience tokens must be for. */
  readonly service: string;
  /** What the request needs; absent for a request that needs only a valid token. */
  readonly scope?: string | readonly Scope[];
  readonly error?: 'invalid_token' | 'insufficient_scope';
}

/** A quoted-string: backslash and double quote escaped; control characters (header injection) dropped. */
function quote(value: string): string {
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, '').replace(/["\\]/g, '\\$&')}"`;
}

export function bearerChallenge(options: ChallengeOptions): string {
  const scope =
    options.scope === undefined || typeof options.scope === 'string'
      ? options.scope
      : options.scope.map(formatScope).join(' ');
  const params: [string, string][] = [
    ['realm', options.realm],
    ['service', options.service],
    ...(scope !== undefined && scope !== '' ? [['scope', scope] as [string, string]] : []),
    ...(options.error !== undefined ? [['error', options.error] as [string, string]] : []),
  ];
  return `Bearer ${params.map(([k, v]) => `${k}=${quote(v)}`).join(',')}`;
}
