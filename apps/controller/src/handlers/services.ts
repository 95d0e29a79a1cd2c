/** What the REST handlers work with; built once by the control plane's composition (control-plane.ts). */
import type { Access, AccessModelSync } from '@stevedore/access';
import type { AuditLog } from '@stevedore/audit';
import type { ClusterMembership } from '@stevedore/cluster';
import type { EngineClient } from '@stevedore/engine';
import type { Identity } from '@stevedore/identity';
import type { Jobs } from '@stevedore/jobs';
import type { KeyAndCertificate } from '@stevedore/pki';
import type { RepositoryContent, Repositories } from '@stevedore/repositories';
import type { StoreHealth } from '@stevedore/store';

export interface Services {
  readonly identity: Identity;
  readonly access: Access;
  readonly sync: AccessModelSync;
  readonly audit: AuditLog;
  readonly jobs: Jobs;
  /** Registry repository records, team access and namespace settings, and who may do what. */
  readonly repositories: Repositories;
  /** The registry content of repositories (tags), for the REST API's tag routes. */
  readonly repositoryContent: RepositoryContent;
  readonly clusterCaPem: string;
  /** The cluster key (seals the CAs' keys in the Store): only a manager node's agent receives it. */
  readonly clusterKey: Buffer;
  /** Signs the certificates of client bundles; its key stays in the data dir's pki directory. */
  readonly clientCa: KeyAndCertificate;
  /** epoch ms */
  readonly now: () => number;
  readonly version: string;
  /** Where the registry next to this controller listens (set by `up` once it started). */
  readonly registryAddress: () => { readonly host: string | null; readonly port: number } | undefined;
  /** The registry token audience. */
  readonly registryService: string;
  /** How the Store's members are doing (`Store.health()`). */
  readonly storeHealth: () => Promise<StoreHealth>;
  /** Join tokens and node records. */
  readonly membership: ClusterMembership;
  /** This controller's engine (a swarm manager), when it manages one. */
  readonly engine: EngineClient | undefined;
}
