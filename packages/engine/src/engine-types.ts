/**
 * The engine client's options and answers, and the shapes of the few answers it types (info, version).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { EngineTlsOptions } from './engine-address.js';
import type { EngineQuery } from './engine-request.js';

export interface EngineClientOptions {
  /** TLS for a `tcp://` address (an `https://` one uses TLS anyway). */
  readonly tls?: EngineTlsOptions;
  /** The API version paths are pinned to; default ENGINE_API_VERSION. */
  readonly apiVersion?: string;
  /** The default bound of buffered calls; default 30 s. */
  readonly timeoutMs?: number;
  /** Connections kept to the engine at most; default 64. */
  readonly maxSockets?: number;
}

export interface PathOptions {
  /** False: send the path as it is, without the version prefix. */
  readonly versioned?: boolean;
  readonly query?: EngineQuery;
}

export interface CallOptions extends PathOptions {
  /** A Buffer is sent as-is, a Readable streamed, anything else as JSON. */
  readonly body?: unknown;
  readonly headers?: OutgoingHttpHeaders;
  /** How long the call may take (a stream: until its answer begins); 0 for no bound. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface EngineResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body parsed as JSON; throws when it is not JSON. */
  json<T>(): T;
}

export interface EngineInfo {
  readonly ID: string;
  readonly Name: string;
  readonly ServerVersion: string;
  readonly DockerRootDir: string;
  readonly Swarm: {
    readonly LocalNodeState: 'inactive' | 'pending' | 'active' | 'error' | 'locked';
    readonly NodeID: string;
    readonly ControlAvailable: boolean;
    readonly Cluster?: { readonly ID: string };
    /** This node's swarm address (host only). */
    readonly NodeAddr?: string;
    /** The managers this node knows, `host:port`. */
    readonly RemoteManagers?: readonly { readonly NodeID: string; readonly Addr: string }[] | null;
  };
}

export interface EngineVersion {
  readonly Version: string;
  readonly ApiVersion: string;
}

/** `GET /swarm` on a manager: what joining needs. */
export interface SwarmInspect {
  readonly ID: string;
  readonly JoinTokens: { readonly Worker: string; readonly Manager: string };
}
