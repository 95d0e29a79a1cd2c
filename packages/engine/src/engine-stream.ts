/**
 * The engine's multiplexed stdout/stderr framing (logs and attach of a container without a TTY): frames of
 * an 8-byte header [stream, 0, 0, 0, size (uint32 BE)] and `size` bytes; stream 1 is stdout, 2 stderr
 * (0, stdin, is written as stdout). With a TTY the engine sends the bytes unframed.
 *
 * `DockerFrameDecoder` reads frames as they arrive, in chunks cut anywhere; `demuxDockerStream` splits a
 * whole buffered answer.
 */

export interface DockerFrame {
  readonly stream: 'stdout' | 'stderr';
  readonly data: Buffer;
}

const HEADER = 8;

export class DockerFrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** The frames completed by this chunk; a partial frame waits for the next. */
  push(chunk: Buffer): DockerFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: DockerFrame[] = [];
    let offset = 0;
    while (offset + HEADER <= this.pending.length) {
      const size = this.pending.readUInt32BE(offset + 4);
      if (offset + HEADER + size > this.pending.length) break;
      frames.push({
        stream: this.pending[offset] === 2 ? 'stderr' : 'stdout',
        data: this.pending.subarray(offset + HEADER, offset + HEADER + size),
      });
      offset += HEADER + size;
    }
    this.pending = this.pending.subarray(offset);
    return frames;
  }

  /** Bytes of a frame that has not completed yet. */
  get buffered(): number {
    return this.pending.length;
  }
}

export function demuxDockerStream(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (const frame of new DockerFrameDecoder().push(buf))
    (frame.stream === 'stderr' ? err : out).push(frame.data);
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
