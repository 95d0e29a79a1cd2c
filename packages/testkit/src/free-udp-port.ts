/**
 * A UDP port that was free a moment ago, within [min, max]. Swarm's VXLAN data-path port must be in
 * 1024..49151, which the kernel's ephemeral range (usually 32768..60999) does not respect, so we pick one.
 */
import { createSocket } from 'node:dgram';
import { ResourceExhaustedError } from '@stevedore/errors';

function tryBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '0.0.0.0', () => socket.close(() => resolve(true)));
  });
}

export async function freeUdpPort(min = 20000, max = 32000): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = min + Math.floor(Math.random() * (max - min + 1));
    if (await tryBind(port)) return port;
  }
  throw new ResourceExhaustedError(`no free UDP port found in ${min}..${max}; free some, or widen the range`);
}
