/** `listener "tcp" { ... }` */
import { limits } from "../lib/index.js";
import { clusterBindAddress, parseHostPort } from "./addresses.js";
import type { BlockReader } from "./reader.js";
import type { ListenerConfig, TlsVersion } from "./types.js";

export const listenerDefaults = {
  address: "127.0.0.1:8200",
  tlsMinVersion: "tls12",
  tlsMaxVersion: "tls13",
  maxRequestSizeBytes: limits.requestBodyBytesMax,
  maxRequestDurationMs: limits.requestTimeoutMs,
  httpIdleTimeoutMs: 5 * 60_000,
  httpReadHeaderTimeoutMs: limits.requestHeadersTimeoutMs,
  httpReadTimeoutMs: 30_000,
  httpWriteTimeoutMs: 0,
} as const;

const tlsVersions: readonly TlsVersion[] = ["tls10", "tls11", "tls12", "tls13"];

const unsupportedListenerKeys: Readonly<Record<string, string>> = {
  proxy_protocol_behavior: "the PROXY protocol is not implemented",
  proxy_protocol_authorized_addrs: "the PROXY protocol is not implemented",
  x_forwarded_for_client_cert_header: "client certificates from a proxy header are not implemented",
  x_forwarded_for_client_cert_header_decoders: "client certificates from a proxy header are not implemented",
  custom_response_headers: "custom response headers are not implemented",
  profiling: "profiling endpoints are not implemented",
  inflight_requests_logging: "in-flight request logging is not implemented",
  tls_cipher_suites_order: "Node orders cipher suites itself",
};

function tlsVersion(reader: BlockReader, key: string, fallback: TlsVersion): TlsVersion {
  const value = reader.string(key);
  if (value === undefined) return fallback;
  if ((tlsVersions as readonly string[]).includes(value)) return value as TlsVersion;
  reader.fail(key, `"${key}" must be one of ${tlsVersions.join(", ")}, got "${value}"`);
  return fallback;
}

function bindAddress(reader: BlockReader, key: string, value: string): boolean {
  if (value.includes("{{")) {
    reader.fail(key, `"${key}" templates (go-sockaddr) are not supported; write host:port`);
    return false;
  }
  if (parseHostPort(value) === undefined) {
    reader.fail(key, `"${key}" must be host:port, got "${value}"`);
    return false;
  }
  return true;
}

function listenerTelemetry(reader: BlockReader): { unauthenticatedMetricsAccess: boolean } {
  const blocks = reader.blocks("telemetry");
  let unauthenticatedMetricsAccess = false;
  for (const block of blocks) {
    unauthenticatedMetricsAccess = block.bool("unauthenticated_metrics_access") ?? unauthenticatedMetricsAccess;
    block.finish();
  }
  return { unauthenticatedMetricsAccess };
}

function checkTls(reader: BlockReader, config: ListenerConfig): void {
  if (config.tlsDisable) return;
  if (config.tlsCertFile === undefined) {
    reader.fail(undefined, '"tls_cert_file" is required unless tls_disable = true');
  }
  if (config.tlsKeyFile === undefined) reader.fail(undefined, '"tls_key_file" is required unless tls_disable = true');
  if (tlsVersions.indexOf(config.tlsMinVersion) > tlsVersions.indexOf(config.tlsMaxVersion)) {
    reader.fail("tls_min_version", '"tls_min_version" is above "tls_max_version"');
  }
  if (config.tlsRequireAndVerifyClientCert && config.tlsDisableClientCerts) {
    reader.fail("tls_disable_client_certs", "tls_require_and_verify_client_cert and tls_disable_client_certs conflict");
  }
  if (config.tlsRequireAndVerifyClientCert && config.tlsClientCaFile === undefined) {
    reader.fail("tls_require_and_verify_client_cert", '"tls_client_ca_file" is required to verify client certificates');
  }
}

/** Vault: max_request_size 0 means the default and a negative value means no limit. */
function maxRequestSize(reader: BlockReader): number {
  const value = reader.integer("max_request_size");
  if (value === undefined || value === 0) return listenerDefaults.maxRequestSizeBytes;
  return value < 0 ? Number.MAX_SAFE_INTEGER : value;
}

export function decodeListener(label: string, reader: BlockReader): ListenerConfig | undefined {
  if (label !== "tcp") {
    reader.fail(undefined, `listener type "${label}" is not supported; use "tcp"`);
    return undefined;
  }
  const address = reader.string("address") ?? listenerDefaults.address;
  const addressValid = bindAddress(reader, "address", address);
  const explicitClusterAddress = reader.string("cluster_address");
  const clusterValid =
    explicitClusterAddress === undefined || bindAddress(reader, "cluster_address", explicitClusterAddress);
  const parsed = parseHostPort(address);
  const tlsDisable = reader.bool("tls_disable");
  const config: ListenerConfig = {
    type: "tcp",
    address,
    clusterAddress: explicitClusterAddress ?? (parsed ? clusterBindAddress(parsed) : address),
    tlsDisable: tlsDisable ?? false,
    tlsCertFile: reader.string("tls_cert_file"),
    tlsKeyFile: reader.string("tls_key_file"),
    tlsClientCaFile: reader.string("tls_client_ca_file"),
    tlsMinVersion: tlsVersion(reader, "tls_min_version", listenerDefaults.tlsMinVersion),
    tlsMaxVersion: tlsVersion(reader, "tls_max_version", listenerDefaults.tlsMaxVersion),
    tlsCipherSuites: reader.stringList("tls_cipher_suites") ?? [],
    tlsRequireAndVerifyClientCert: reader.bool("tls_require_and_verify_client_cert") ?? false,
    tlsDisableClientCerts: reader.bool("tls_disable_client_certs") ?? false,
    maxRequestSizeBytes: maxRequestSize(reader),
    maxRequestDurationMs: reader.durationMs("max_request_duration") || listenerDefaults.maxRequestDurationMs,
    httpIdleTimeoutMs: reader.durationMs("http_idle_timeout") ?? listenerDefaults.httpIdleTimeoutMs,
    httpReadHeaderTimeoutMs: reader.durationMs("http_read_header_timeout") ?? listenerDefaults.httpReadHeaderTimeoutMs,
    httpReadTimeoutMs: reader.durationMs("http_read_timeout") ?? listenerDefaults.httpReadTimeoutMs,
    httpWriteTimeoutMs: reader.durationMs("http_write_timeout") ?? listenerDefaults.httpWriteTimeoutMs,
    xForwardedForAuthorizedAddrs: reader.stringList("x_forwarded_for_authorized_addrs") ?? [],
    xForwardedForHopSkips: reader.integer("x_forwarded_for_hop_skips", { min: 0 }) ?? 0,
    xForwardedForRejectNotAuthorized: reader.bool("x_forwarded_for_reject_not_authorized") ?? true,
    xForwardedForRejectNotPresent: reader.bool("x_forwarded_for_reject_not_present") ?? true,
    telemetry: listenerTelemetry(reader),
  };
  reader.finish(unsupportedListenerKeys);
  // A tls_disable that failed to parse is already reported; TLS checks on a guess would only add noise.
  if (tlsDisable !== undefined || !reader.has("tls_disable")) checkTls(reader, config);
  return addressValid && clusterValid ? config : undefined;
}
