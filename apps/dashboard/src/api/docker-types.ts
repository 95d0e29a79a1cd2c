/**
 * The few fields of Engine API (v1.41) objects the dashboard reads, as TypeScript types. They are not
 * validated: the proxy hands the engine's JSON through, and pages read every field defensively (`?.`).
 * Where a resource belongs is its `io.stevedore.collection` label, else `/System` (docs/rbac.md).
 */
export const COLLECTION_LABEL = 'io.stevedore.collection';
export const SYSTEM_COLLECTION = '/System';

export type Labels = Readonly<Record<string, string>>;

export interface Versioned {
  readonly ID: string;
  readonly Version: { readonly Index: number };
  readonly CreatedAt?: string;
  readonly UpdatedAt?: string;
}

export interface NodeSpec {
  Name?: string;
  Labels?: Record<string, string>;
  Role: 'worker' | 'manager';
  Availability: 'active' | 'pause' | 'drain';
}
export interface Node extends Versioned {
  readonly Spec: NodeSpec;
  readonly Description?: {
    readonly Hostname?: string;
    readonly Platform?: { readonly Architecture?: string; readonly OS?: string };
    readonly Resources?: { readonly NanoCPUs?: number; readonly MemoryBytes?: number };
    readonly Engine?: { readonly EngineVersion?: string };
  };
  readonly Status?: { readonly State?: string; readonly Addr?: string; readonly Message?: string };
  readonly ManagerStatus?: { readonly Leader?: boolean; readonly Reachability?: string };
}

export interface ServiceSpec {
  Name?: string;
  Labels?: Record<string, string>;
  TaskTemplate: {
    ContainerSpec?: {
      Image?: string;
      Command?: string[];
      Args?: string[];
      Labels?: Record<string, string>;
      TTY?: boolean;
      [key: string]: unknown;
    };
    ForceUpdate?: number;
    [key: string]: unknown;
  };
  Mode?: { Replicated?: { Replicas?: number }; Global?: Record<string, never> };
  EndpointSpec?: {
    Ports?: { Protocol?: 'tcp' | 'udp'; TargetPort: number; PublishedPort?: number; PublishMode?: string }[];
  };
  [key: string]: unknown;
}
export interface Service extends Versioned {
  readonly Spec: ServiceSpec;
  readonly Endpoint?: { readonly Ports?: readonly { PublishedPort?: number; TargetPort?: number }[] };
  readonly ServiceStatus?: { readonly RunningTasks?: number; readonly DesiredTasks?: number };
  readonly UpdateStatus?: { readonly State?: string; readonly Message?: string };
}

export interface Task extends Versioned {
  readonly Name?: string;
  readonly ServiceID?: string;
  readonly NodeID?: string;
  readonly Slot?: number;
  readonly DesiredState?: string;
  readonly Status?: {
    readonly State?: string;
    readonly Message?: string;
    readonly Err?: string;
    readonly Timestamp?: string;
    readonly ContainerStatus?: { readonly ContainerID?: string; readonly ExitCode?: number };
  };
  readonly Spec?: { readonly ContainerSpec?: { readonly Image?: string } };
}

/** An item of `GET /containers/json`. */
export interface Container {
  readonly Id: string;
  readonly Names?: readonly string[];
  readonly Image?: string;
  readonly Command?: string;
  readonly Created?: number;
  readonly State?: string;
  readonly Status?: string;
  readonly Labels?: Labels;
}
/** `GET /containers/{id}/json`. */
export interface ContainerInspect {
  readonly Id: string;
  readonly Name?: string;
  readonly Created?: string;
  /** What runs: the entrypoint or command's first word, then the rest. */
  readonly Path?: string;
  readonly Args?: readonly string[];
  readonly State?: { readonly Status?: string; readonly Running?: boolean; readonly ExitCode?: number };
  readonly Config?: {
    readonly Image?: string;
    readonly Cmd?: string[];
    readonly Tty?: boolean;
    Labels?: Labels;
  };
  readonly HostConfig?: Readonly<Record<string, unknown>>;
  readonly NetworkSettings?: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

export interface Network {
  readonly Id: string;
  readonly Name: string;
  readonly Driver?: string;
  readonly Scope?: string;
  readonly Created?: string;
  readonly Internal?: boolean;
  readonly Attachable?: boolean;
  readonly Labels?: Labels;
}
export interface Volume {
  readonly Name: string;
  readonly Driver?: string;
  readonly Mountpoint?: string;
  readonly CreatedAt?: string;
  readonly Scope?: string;
  readonly Labels?: Labels | null;
}
export interface Secret extends Versioned {
  readonly Spec: { Name: string; Labels?: Record<string, string>; Data?: string };
}
export interface Config extends Versioned {
  readonly Spec: { Name: string; Labels?: Record<string, string>; Data?: string };
}

/** One line of `GET /events`. */
export interface DockerEvent {
  readonly Type?: string;
  readonly Action?: string;
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Labels };
  readonly time?: number;
  readonly timeNano?: number;
}

/** The collection a resource is in, from its labels (an unlabelled resource is in /System). */
export function collectionOf(labels: Labels | null | undefined): string {
  return labels?.[COLLECTION_LABEL] ?? SYSTEM_COLLECTION;
}
