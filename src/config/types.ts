/**
 * The typed server configuration the composition root (src/server) consumes.
 * Every value is resolved: file, environment overrides and defaults have been
 * applied, addresses derived, and units are in the names. Optional settings
 * are `undefined` rather than absent, so a consumer sees every field.
 */

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";
export type LogFormat = "standard" | "json";
export type TlsVersion = "tls10" | "tls11" | "tls12" | "tls13";

export interface InmemStorageConfig {
  readonly type: "inmem";
}

/** Single-node LevelDB store (Vault's `storage "file"`). */
export interface FileStorageConfig {
  readonly type: "file";
  readonly path: string;
}

export interface RetryJoinConfig {
  /** Full URL of a member's API, e.g. `https://coffer-0.coffer-internal:8200`. */
  readonly leaderApiAddr: string;
  readonly leaderTlsServerName: string | undefined;
  /** PEM file paths (`leader_*_file`) ... */
  readonly leaderCaCertFile: string | undefined;
  readonly leaderClientCertFile: string | undefined;
  readonly leaderClientKeyFile: string | undefined;
  /** ... or inline PEM (`leader_ca_cert` etc.); at most one of each pair is set. */
  readonly leaderCaCert: string | undefined;
  readonly leaderClientCert: string | undefined;
  readonly leaderClientKey: string | undefined;
}

export interface RaftStorageConfig {
  readonly type: "raft";
  readonly path: string;
  /** From VAULT_RAFT_NODE_ID/config; undefined means "read or create <path>/node-id". */
  readonly nodeId: string | undefined;
  /** 1 (fastest) .. 10; Vault's 0 ("default") is resolved to 5 here. */
  readonly performanceMultiplier: number;
  readonly trailingLogs: number;
  readonly snapshotThreshold: number;
  readonly snapshotIntervalSeconds: number;
  readonly maxEntrySizeBytes: number;
  readonly autopilotReconcileIntervalMs: number;
  readonly autopilotUpdateIntervalMs: number;
  readonly retryJoinAsNonVoter: boolean;
  readonly retryJoin: readonly RetryJoinConfig[];
}

export type StorageConfig = InmemStorageConfig | FileStorageConfig | RaftStorageConfig;
export type StorageType = StorageConfig["type"];

export interface ListenerTelemetryConfig {
  readonly unauthenticatedMetricsAccess: boolean;
}

export interface ListenerConfig {
  readonly type: "tcp";
  /** host:port to bind the API on. */
  readonly address: string;
  /** host:port to bind the cluster (gRPC) port on; default: address port + 1. */
  readonly clusterAddress: string;
  readonly tlsDisable: boolean;
  /** Set whenever tlsDisable is false (checked at load). */
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly tlsClientCaFile: string | undefined;
  readonly tlsMinVersion: TlsVersion;
  readonly tlsMaxVersion: TlsVersion;
  readonly tlsCipherSuites: readonly string[];
  readonly tlsRequireAndVerifyClientCert: boolean;
  readonly tlsDisableClientCerts: boolean;
  readonly maxRequestSizeBytes: number;
  readonly maxRequestDurationMs: number;
  readonly httpIdleTimeoutMs: number;
  readonly httpReadHeaderTimeoutMs: number;
  readonly httpReadTimeoutMs: number;
  /** 0 = no limit, as in Vault. */
  readonly httpWriteTimeoutMs: number;
  readonly xForwardedForAuthorizedAddrs: readonly string[];
  readonly xForwardedForHopSkips: number;
  readonly xForwardedForRejectNotAuthorized: boolean;
  readonly xForwardedForRejectNotPresent: boolean;
  readonly telemetry: ListenerTelemetryConfig;
}

export interface ShamirSealConfig {
  readonly type: "shamir";
  readonly disabled: boolean;
}

export interface AwsKmsSealConfig {
  readonly type: "awskms";
  readonly disabled: boolean;
  readonly kmsKeyId: string;
  /** Config, else AWS_REGION, else AWS_DEFAULT_REGION, else "us-east-1". */
  readonly region: string;
  readonly endpoint: string | undefined;
  /** Static credentials; undefined means the AWS SDK's default chain (env, shared file, IMDS). */
  readonly accessKey: string | undefined;
  readonly secretKey: string | undefined;
  readonly sessionToken: string | undefined;
  readonly sharedCredsFilename: string | undefined;
  readonly sharedCredsProfile: string | undefined;
  readonly roleArn: string | undefined;
  readonly roleSessionName: string | undefined;
  readonly webIdentityTokenFile: string | undefined;
}

export interface TransitSealConfig {
  readonly type: "transit";
  readonly disabled: boolean;
  readonly address: string;
  readonly token: string | undefined;
  readonly keyName: string;
  readonly mountPath: string;
  readonly namespace: string | undefined;
  readonly disableRenewal: boolean;
  readonly keyIdPrefix: string | undefined;
  readonly tlsCaCert: string | undefined;
  readonly tlsClientCert: string | undefined;
  readonly tlsClientKey: string | undefined;
  readonly tlsServerName: string | undefined;
  readonly tlsSkipVerify: boolean;
}

export type SealConfig = ShamirSealConfig | AwsKmsSealConfig | TransitSealConfig;
export type SealType = SealConfig["type"];

export interface TelemetryConfig {
  /** 0 disables the Prometheus endpoint (`sys/metrics?format=prometheus` answers 400). */
  readonly prometheusRetentionSeconds: number;
  readonly disableHostname: boolean;
  readonly enableHostnameLabel: boolean;
  readonly usageGaugePeriodSeconds: number;
  readonly maximumGaugeCardinality: number;
  readonly leaseMetricsEpsilonSeconds: number;
  readonly numLeaseMetricsBuckets: number;
  readonly addLeaseMetricsNamespaceLabels: boolean;
  readonly filterDefault: boolean;
  readonly prefixFilter: readonly string[];
}

export interface ServerConfig {
  readonly storage: StorageConfig;
  /** At least one. */
  readonly listeners: readonly ListenerConfig[];
  /** The seal in use (the implicit `shamir` one when the file has none). */
  readonly seal: SealConfig;
  /** A second seal stanza marked `disabled = true` (Vault's seal migration); recorded, not acted on yet. */
  readonly disabledSeal: SealConfig | undefined;
  /** URL advertised to clients (`https://host:8200`); derived from the first listener when unset. */
  readonly apiAddr: string;
  /** URL advertised for cluster traffic; default api_addr with port + 1, always https. */
  readonly clusterAddr: string;
  readonly clusterName: string | undefined;
  readonly disableClustering: boolean;
  readonly ui: boolean;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly defaultLeaseTtlSeconds: number;
  readonly maxLeaseTtlSeconds: number;
  readonly defaultMaxRequestDurationMs: number;
  readonly telemetry: TelemetryConfig;
  readonly pidFile: string | undefined;
  readonly rawStorageEndpoint: boolean;
  readonly introspectionEndpoint: boolean;
  readonly disableCache: boolean;
  readonly cacheSize: number;
  readonly enableResponseHeaderHostname: boolean;
  readonly enableResponseHeaderRaftNodeId: boolean;
  /** Things accepted but not acted on (`disable_mlock`, `plugin_directory`, ...); the server logs them. */
  readonly warnings: readonly string[];
  /** Files this config was read from; empty for devConfig(). */
  readonly sourceFiles: readonly string[];
}
