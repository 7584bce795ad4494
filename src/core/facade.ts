/**
 * The core's public facade: everything the HTTP layer may ask of the core.
 * HTTP depends on this interface only, so it never reaches into the barrier,
 * the router or storage. Field names follow Vault's JSON (snake_case) where
 * the HTTP layer renders them verbatim as raw (non-envelope) bodies.
 */
import { CofferError } from "../lib/index.js";
import type { Connection, Operation, Response } from "../logical/index.js";

export interface SealStatus {
  type: string;
  initialized: boolean;
  sealed: boolean;
  t: number;
  n: number;
  progress: number;
  nonce: string;
  version: string;
  build_date: string;
  migration: boolean;
  cluster_name?: string;
  cluster_id?: string;
  recovery_seal: boolean;
  recovery_seal_type?: string;
  storage_type: string;
}

export interface InitRequest {
  secretShares?: number;
  secretThreshold?: number;
  recoveryShares?: number;
  recoveryThreshold?: number;
  pgpKeys?: string[];
  recoveryPgpKeys?: string[];
  rootTokenPgpKey?: string;
  storedShares?: number;
}

export interface InitResult {
  keys: string[];
  keys_base64: string[];
  recovery_keys?: string[];
  recovery_keys_base64?: string[];
  root_token: string;
}

export interface HealthStatus {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  performance_standby: boolean;
  replication_performance_mode: string;
  replication_dr_mode: string;
  server_time_utc: number;
  version: string;
  enterprise: boolean;
  cluster_name?: string;
  cluster_id?: string;
}

export interface LeaderStatus {
  ha_enabled: boolean;
  is_self: boolean;
  active_time: string;
  leader_address: string;
  leader_cluster_address: string;
  performance_standby: boolean;
  performance_standby_last_remote_wal: number;
  raft_committed_index?: number;
  raft_applied_index?: number;
}

export type MetricsFormat = "prometheus" | "json";

/**
 * Vault's choice of metrics format: `?format=prometheus`, or an Accept header
 * asking for OpenMetrics / Prometheus text; otherwise JSON. Unknown formats are a 400.
 */
export function chooseMetricsFormat(format: string, accept: string): MetricsFormat {
  if (format === "prometheus") return "prometheus";
  if (format !== "") throw new CofferError("invalid_request", `metric response format "${format}" unknown`);
  if (accept.startsWith("application/openmetrics-text") || accept.includes("prometheus/telemetry")) return "prometheus";
  return "json";
}

export interface MetricsOutput {
  contentType: string;
  body: string;
}

/** Where a request should go when this node cannot answer it itself. */
export type ServingState = { readonly kind: "active" } | { readonly kind: "standby" } | { readonly kind: "sealed" };

/** A request as HTTP hands it to the core, before routing gives it a mount and storage. */
export interface IncomingRequest {
  readonly id: string;
  readonly operation: Operation;
  /** Full API path after `/v1/`, without `.`/`..` segments; lists end in `/`. */
  readonly path: string;
  readonly data: Record<string, unknown>;
  readonly clientToken: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly connection?: Connection;
  readonly wrapTtlSeconds?: number;
  readonly rawBody?: Uint8Array;
  /** True when a standby forwarded this request to us. */
  readonly forwarded?: boolean;
}

/** sys/storage/raft/join's body. */
export interface JoinRequest {
  readonly target: {
    readonly leaderApiAddr: string;
    readonly leaderCaCert?: string;
    readonly leaderClientCert?: string;
    readonly leaderClientKey?: string;
    readonly leaderTlsServerName?: string;
  };
  readonly retry: boolean;
  readonly nonVoter: boolean;
}

export interface HandledRequest {
  readonly response: Response | undefined;
  /** The operation after the existence check (update may have become create). */
  readonly operation: Operation;
  /** Type of the mount that served it, for the envelope's `mount_type`. */
  readonly mountType: string;
}

export interface CoreFacade {
  sealStatus(): Promise<SealStatus>;
  isInitialized(): Promise<boolean>;
  initialize(request: InitRequest): Promise<InitResult>;
  /** Submits one unseal key share (hex or base64). */
  unseal(key: string): Promise<SealStatus>;
  resetUnseal(): Promise<SealStatus>;
  health(): Promise<HealthStatus>;
  leader(): Promise<LeaderStatus>;
  /** Whether this node answers logical requests itself or a standby must forward them. */
  servingState(): ServingState;
  /** The request pipeline: route, authenticate, authorize, audit, handle, lease, wrap, audit. */
  handleRequest(request: IncomingRequest): Promise<HandledRequest>;
  /** sys/storage/raft/join (raw handler, served locally). */
  joinCluster(request: JoinRequest): Promise<{ joined: boolean }>;
  /** Metrics exposition for `sys/metrics` when the listener allows unauthenticated access. */
  metrics(format: MetricsFormat): Promise<MetricsOutput>;
}
