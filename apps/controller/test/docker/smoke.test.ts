import { it } from 'node:test';
import { startDockerCluster } from './cluster.js';
it('smoke', async () => {
  const c = await startDockerCluster();
  try {
    const show = async (who: 'admin' | 'alice' | 'bob', args: string[], input?: string) => {
      const r = await c.docker(who, args, input ? { input } : {}).catch((e: unknown) => e);
      console.log(who, args.join(' '), JSON.stringify(r).slice(0, 600));
    };
    await show('alice', ['run', '--rm', 'stevedore/busybox:test', 'echo', 'hi']);
    await show('alice', ['run', '-i', '--rm', 'stevedore/busybox:test', 'cat'], 'piped\n');
    await show('bob', ['run', '-v', '/etc:/x', '--rm', 'stevedore/busybox:test', 'true']);
    await show('alice', ['service', 'create', '--no-resolve-image', '--name', 'web', '--label', 'io.stevedore.collection=/Shared/dev', 'stevedore/busybox:test', 'sleep', '1000']);
    await show('bob', ['service', 'ls']);
    await show('bob', ['service', 'rm', 'web']);
    await show('bob', ['exec', 'x', 'true']);
  } finally { await c.stop(); }
});
