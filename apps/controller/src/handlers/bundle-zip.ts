/**
 * The client bundle zip, in two formats. `bundle` (UCP's layout):
 *
 * ```
 * ca.pem  cert.pem  key.pem  cert.pub   the cluster root CA, the client certificate, its key (0600), its public key
 * env.sh  env.ps1   env.cmd             set DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (this directory)
 * meta.json                             the docker context: Name, Metadata, Endpoints.docker.Host
 * tls/docker/{ca,cert,key}.pem          the context's TLS material (the CLI reads `tls/<endpoint>/<file>`)
 * ```
 *
 * `context`: only `meta.json` and `tls/docker/*`. The docker CLI's `context import` refuses an archive with
 * any other file ("ca.pem: unexpected context file", checked with docker 28), and extra files under
 * `tls/docker/` make every later command warn, so the importable zip cannot also be UCP's bundle.
 *
 * The address goes into shell scripts, so only a Host header that matches a strict pattern is used; any
 * other falls back to 127.0.0.1 (see `bundleAddress`). The user name is already limited to `[a-z0-9._-]`.
 */
import { zipSync, type Zippable, type ZippableFile } from 'fflate';

export interface BundleContents {
  readonly user: string;
  /** `host:port`, from `bundleAddress`. */
  readonly address: string;
  readonly clusterCaPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly publicKeyPem: string;
}

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
// A DNS name or an IPv4 address (its labels are digits), or an IPv6 address in brackets; then an optional port.
const HOST_HEADER = new RegExp(`^(${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]{2,45}\\])(?::([0-9]{1,5}))?$`);

/**
 * The `host:port` the client reached the controller at, from its Host header; `127.0.0.1:<localPort>`
 * when the header is absent or anything but a plain name or address. No port in the header means the
 * client used https' default, 443.
 */
export function bundleAddress(hostHeader: string | undefined, localPort: number): string {
  const match = hostHeader === undefined || hostHeader.length > 260 ? null : HOST_HEADER.exec(hostHeader);
  const port = match?.[2] === undefined ? 443 : Number(match[2]);
  if (!match?.[1] || port < 1 || port > 65535) return `127.0.0.1:${localPort}`;
  return `${match[1]}:${port}`;
}

const text = (s: string) => new TextEncoder().encode(s);
const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';

// Unix permissions need the "made on Unix" marker (os 3) and the mode in the high 16 bits.
const secret = (s: string): ZippableFile => [text(s), { os: 3, attrs: 0o100600 * 0x10000 }];
const plain = (s: string): ZippableFile => [text(s), { os: 3, attrs: 0o100644 * 0x10000 }];

function scripts(user: string, address: string): Zippable {
  const host = `tcp://${address}`;
  const sh = [
    `# Stevedore client bundle for ${user}: points the docker CLI at the cluster over mutual TLS.`,
    '# Use: source env.sh   (bash, zsh; in plain sh run ". ./env.sh" from this directory)',
    `export DOCKER_HOST=${host}`,
    'export DOCKER_TLS_VERIFY=1',
    'DOCKER_CERT_PATH="$(cd "$(dirname "${BASH_SOURCE:-$0}")" && pwd)"',
    'export DOCKER_CERT_PATH',
    // A context chosen in the environment would win over DOCKER_HOST.
    'unset DOCKER_CONTEXT',
    '',
  ].join('\n');
  const ps1 = crlf([
    `# Stevedore client bundle for ${user}. Use: . .\\env.ps1`,
    `$Env:DOCKER_HOST = "${host}"`,
    '$Env:DOCKER_TLS_VERIFY = "1"',
    '$Env:DOCKER_CERT_PATH = $PSScriptRoot',
    'Remove-Item Env:DOCKER_CONTEXT -ErrorAction SilentlyContinue',
  ]);
  const cmd = crlf([
    '@echo off',
    `rem Stevedore client bundle for ${user}. Use: env.cmd`,
    `set DOCKER_HOST=${host}`,
    'set DOCKER_TLS_VERIFY=1',
    'set DOCKER_CERT_PATH=%~dp0',
    'set DOCKER_CONTEXT=',
  ]);
  return { 'env.sh': plain(sh), 'env.ps1': plain(ps1), 'env.cmd': plain(cmd) };
}

export type BundleFormat = 'bundle' | 'context';

export function buildBundleZip(b: BundleContents, format: BundleFormat = 'bundle'): Buffer {
  const meta = {
    Name: `stevedore-${b.user}`,
    Metadata: { Description: `Stevedore client bundle for ${b.user}` },
    Endpoints: { docker: { Host: `tcp://${b.address}`, SkipTLSVerify: false } },
  };
  const context: Zippable = {
    'meta.json': plain(JSON.stringify(meta, null, 2) + '\n'),
    // Flat names: fflate would add directory entries for nested objects, which nothing needs.
    'tls/docker/ca.pem': plain(b.clusterCaPem),
    'tls/docker/cert.pem': plain(b.certPem),
    'tls/docker/key.pem': secret(b.keyPem),
  };
  const files: Zippable =
    format === 'context'
      ? context
      : {
          'ca.pem': plain(b.clusterCaPem),
          'cert.pem': plain(b.certPem),
          'key.pem': secret(b.keyPem),
          'cert.pub': plain(b.publicKeyPem),
          ...scripts(b.user, b.address),
          ...context,
        };
  return Buffer.from(zipSync(files, { level: 6 }));
}
