/**
 * The registry's address for the `docker pull` and `docker login` lines the dashboard shows: what the
 * controller says (`GET /api/v1/registry`: the port `up` serves it on, and its host when it listens on one
 * address), else this page's host name (the node the browser reached, which the registry's certificate
 * names too) and the default port 5443.
 */
import { registryAddress } from '../ui/registry-format.js';
import { useApiQuery } from './hooks.js';

export function useRegistryHost(): string {
  const info = useApiQuery('getRegistryInfo').data;
  return registryAddress(info?.host ?? window.location.hostname, info?.port ?? undefined);
}

/** `docker pull host/acme/app:1.0`. */
export function pullCommand(host: string, path: string, tag: string): string {
  return `docker pull ${host}/${path}:${tag}`;
}

/** The password comes on standard input, so it stays out of the shell's history and `ps`. */
export function loginCommand(host: string, login: string): string {
  return `docker login -u ${login} --password-stdin ${host}`;
}
