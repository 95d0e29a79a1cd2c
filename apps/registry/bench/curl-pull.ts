/**
 * Blob pulls as curl makes them (one client, one connection, the body thrown away), for the rows that set
 * our registry and the reference beside nginx serving the same file: curl is the same client for all three
 * columns and costs the same whatever the server, so the figures differ by the server alone. Each pull's
 * time is curl's own `time_total` (from before connecting to the last byte), not the process's start-up.
 *
 * The server's CPU time is read from /proc before and after each round (user + system, all threads), so a
 * row also says what a pull costs the server in CPU: on a shared, noisy machine that figure drifts far less
 * than the throughput does.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { InternalError } from '@stevedore/errors';
import { ensureBinary } from '@stevedore/testkit';

const run = promisify(execFile);
/** Linux's USER_HZ, the unit of utime and stime in /proc/PID/stat. */
const TICKS_PER_SECOND = 100;

export interface CurlPullOptions {
  /** PEM file of the CA to trust, for an https URL. */
  readonly caFile?: string;
  readonly expectedBytes: number;
  /** The Docker-Content-Digest the server must answer (a registry); unchecked when absent (nginx). */
  readonly expectedDigest?: string;
  readonly authorization?: string;
}

/** Pulls `url` once with curl; returns the seconds it took. Throws when the answer is not the blob. */
export async function curlPull(url: string, options: CurlPullOptions): Promise<number> {
  const curl = await ensureBinary('curl', 'curl');
  const args = [
    ...['--silent', '--show-error', '--output', '/dev/null'],
    ...['--write-out', '%{http_code} %{size_download} %{time_total} %header{docker-content-digest}'],
    ...(options.caFile ? ['--cacert', options.caFile] : []),
    ...(options.authorization ? ['--header', `Authorization: ${options.authorization}`] : []),
    url,
  ];
  const { stdout } = await run(curl, args, { maxBuffer: 1 << 20 });
  const [status, size, seconds, digest] = stdout.trim().split(' ');
  if (status !== '200' || Number(size) !== options.expectedBytes) {
    throw new InternalError(
      `curl ${url} answered ${status} with ${size} bytes, expected 200 with ${options.expectedBytes}`,
    );
  }
  if (options.expectedDigest !== undefined && digest !== options.expectedDigest) {
    throw new InternalError(`curl ${url} answered digest ${digest}, expected ${options.expectedDigest}`);
  }
  return Number(seconds);
}

/** CPU seconds (user + system, every thread) that process `pid` has used so far. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state (field 3).
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
