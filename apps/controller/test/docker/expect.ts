/** Assertions on docker CLI calls: what succeeded, and what was refused with which message. */
import assert from 'node:assert/strict';
import { DockerCliError } from '@stevedore/testkit';
import type { Account, CliOptions, DockerCluster } from './cluster.js';

export function cliExpect(cluster: DockerCluster) {
  const ok = async (who: Account, args: string[], options?: CliOptions): Promise<string> =>
    (await cluster.docker(who, args, options)).stdout;

  /** The call fails and its stderr matches `pattern`. */
  const fails = async (who: Account, args: string[], pattern: RegExp, options?: CliOptions) => {
    const err = await cluster.docker(who, args, options).then(
      (r) => assert.fail(`docker ${args.join(' ')} as ${who} succeeded: ${r.stdout}`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DockerCliError, String(err));
    assert.match(err.stderr, pattern, `docker ${args.join(' ')} as ${who}`);
    return err.stderr;
  };

  /** One name per line, of what `docker <kind> ls` shows the account. */
  const names = async (who: Account, kind: string, format = '{{.Name}}'): Promise<string[]> => {
    const args =
      kind === 'container' ? ['ps', '-a', '--format', '{{.Names}}'] : [kind, 'ls', '--format', format];
    return (await ok(who, args)).split('\n').filter(Boolean).sort();
  };

  return { ok, fails, names };
}
