export { deriveApiAddr, deriveClusterAddr, formatHostPort, type HostPort, parseHostPort } from "./addresses.js";
export { type DevConfigOptions, devConfig, devListenAddress } from "./dev.js";
export { type Env, firstEnv, vaultEnv } from "./env.js";
export { ConfigError, type ConfigProblem, formatProblem, isConfigError } from "./errors.js";
export { listenerDefaults } from "./listener.js";
export {
  defaultLeaseTtlSeconds,
  defaultMaxRequestDurationMs,
  loadConfigFile,
  type ParseOptions,
  parseConfig,
} from "./server-config.js";
export type { SourcePosition } from "./source-index.js";
export { raftDefaults } from "./storage.js";
export { telemetryDefaults } from "./telemetry.js";
export type {
  AwsKmsSealConfig,
  FileStorageConfig,
  InmemStorageConfig,
  ListenerConfig,
  ListenerTelemetryConfig,
  LogFormat,
  LogLevel,
  RaftStorageConfig,
  RetryJoinConfig,
  SealConfig,
  SealType,
  ServerConfig,
  ShamirSealConfig,
  StorageConfig,
  StorageType,
  TelemetryConfig,
  TlsVersion,
  TransitSealConfig,
} from "./types.js";
