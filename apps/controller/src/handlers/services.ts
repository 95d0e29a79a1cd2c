/** What the REST handlers work with; built once by the control plane's composition (control-plane.ts). */
import type { Access, AccessModelSync } from '@stevedore/access';
import type { AuditLog } from '@stevedore/audit';
import type { Identity } from '@stevedore/identity';

export interface Services {
  readonly identity: Identity;
  readonly access: Access;
  readonly sync: AccessModelSync;
  readonly audit: AuditLog;
  readonly clusterCaPem: string;
  readonly version: string;
}
