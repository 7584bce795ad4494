/**
 * The built-in dev-mode config (`coffer server -dev`), as Vault's DevConfig:
 * one in-memory node on 127.0.0.1:8200 without TLS, UI on, raw endpoint on,
 * Prometheus retention 24h with hostnames off.
 */
import { clusterBindAddress, deriveClusterAddr, parseHostPort } from "./addresses.js";
import { ConfigError } from "./errors.js";
import { listenerDefaults } from "./listener.js";
import { defaultLeaseTtlSeconds, defaultMaxRequestDurationMs } from "./server-config.js";
import { telemetryDefaults } from "./telemetry.js";
import type { ListenerConfig, LogLevel, ServerConfig } from "./types.js";

export interface DevConfigOptions {
  /** `-dev-listen-address`; default 127.0.0.1:8200. */
  readonly listenAddress?: string;
  readonly logLevel?: LogLevel;
}

export const devListenAddress = "127.0.0.1:8200";

export function devConfig(options: DevConfigOptions = {}): ServerConfig {
  const address = options.listenAddress ?? devListenAddress;
  const parsed = parseHostPort(address);
  if (parsed === undefined) {
    throw new ConfigError([
      { fileName: "-dev-listen-address", position: undefined, message: `must be host:port, got "${address}"` },
    ]);
  }
  const listener: ListenerConfig = {
    ...listenerDefaults,
    type: "tcp",
    address,
    clusterAddress: clusterBindAddress(parsed),
    tlsDisable: true,
    tlsCertFile: undefined,
    tlsKeyFile: undefined,
    tlsClientCaFile: undefined,
    tlsCipherSuites: [],
    tlsRequireAndVerifyClientCert: false,
    tlsDisableClientCerts: false,
    xForwardedForAuthorizedAddrs: [],
    xForwardedForHopSkips: 0,
    xForwardedForRejectNotAuthorized: true,
    xForwardedForRejectNotPresent: true,
    telemetry: { unauthenticatedMetricsAccess: false },
  };
  const apiAddr = `http://${address}`;
  return {
    storage: { type: "inmem" },
    listeners: [listener],
    seal: { type: "shamir", disabled: false },
    disabledSeal: undefined,
    apiAddr,
    clusterAddr: deriveClusterAddr(apiAddr) ?? `https://${clusterBindAddress(parsed)}`,
    clusterName: undefined,
    disableClustering: false,
    ui: true,
    logLevel: options.logLevel ?? "info",
    logFormat: "standard",
    defaultLeaseTtlSeconds,
    maxLeaseTtlSeconds: defaultLeaseTtlSeconds,
    defaultMaxRequestDurationMs,
    telemetry: { ...telemetryDefaults, prometheusRetentionSeconds: 24 * 3600, disableHostname: true },
    pidFile: undefined,
    rawStorageEndpoint: true,
    introspectionEndpoint: false,
    disableCache: false,
    cacheSize: 131_072,
    enableResponseHeaderHostname: false,
    enableResponseHeaderRaftNodeId: false,
    warnings: [],
    sourceFiles: [],
  };
}
