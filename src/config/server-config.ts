/**
 * The server config loader: Vault's file format (HCL1 or JSON) -> ServerConfig.
 * Problems are collected across the whole file and thrown together as one
 * ConfigError whose lines each read `file:line:column: message`.
 */
import { readFile } from "node:fs/promises";
import { deriveApiAddr, deriveClusterAddr, isHttpUrl } from "./addresses.js";
import { type Env, envFlag, vaultEnv } from "./env.js";
import { ConfigError, ProblemList } from "./errors.js";
import { decodeListener } from "./listener.js";
import { BlockReader } from "./reader.js";
import { decodeSeal, isSealType } from "./seal.js";
import { parseSource, type SourceFormat } from "./source.js";
import { decodeStorage } from "./storage.js";
import { decodeTelemetry } from "./telemetry.js";
import type { ListenerConfig, LogFormat, LogLevel, SealConfig, ServerConfig, StorageConfig } from "./types.js";

export interface ParseOptions {
  /** Environment for overrides; process.env when omitted. Tests pass their own. */
  readonly env?: Env;
  /** Forces the syntax; by default `.json` files (or text starting with `{`) are JSON. */
  readonly format?: SourceFormat;
}

/** Vault's system defaults: both TTLs are 32 days. */
export const defaultLeaseTtlSeconds = 768 * 3600;
export const defaultMaxRequestDurationMs = 90_000;
const defaultCacheSize = 131_072;

const logLevels: Readonly<Record<string, LogLevel>> = {
  trace: "trace",
  debug: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  err: "error",
};

const unsupportedTopLevel: Readonly<Record<string, string>> = {
  ha_storage: 'storage "raft" provides HA itself',
  service_registration: "service registration is not implemented",
  entropy: "external entropy is not implemented",
  hcp_link: "HCP link is not implemented",
  replication: "replication is an Enterprise feature",
  sentinel: "Sentinel is an Enterprise feature",
  user_lockout: "user lockout is not implemented",
  kms_library: "PKCS#11 KMS libraries are not supported",
};

const ignoredTopLevel: Readonly<Record<string, string>> = {
  disable_mlock: "is accepted and ignored: Node.js cannot lock memory, so swap should be disabled on the host instead",
  plugin_directory: "is accepted and ignored: Coffer has no external plugins",
  plugin_file_uid: "is accepted and ignored: Coffer has no external plugins",
  plugin_file_permissions: "is accepted and ignored: Coffer has no external plugins",
  license_path: "is accepted and ignored: Coffer needs no license",
  disable_sealwrap: "is accepted and ignored: seal wrapping is not implemented",
  disable_performance_standby: "is accepted and ignored: Coffer has no performance standbys",
  disable_printable_check: "is accepted and ignored",
};

function decodeStorageStanza(top: BlockReader, env: Env): StorageConfig | undefined {
  const stanzas = top.labeledBlocks("storage");
  const first = stanzas[0];
  if (first === undefined) {
    top.fail(undefined, 'a storage stanza is required, e.g. storage "raft" { path = "/var/lib/coffer" }');
    return undefined;
  }
  for (const extra of stanzas.slice(1)) extra.reader.fail(undefined, "only one storage stanza is allowed");
  return decodeStorage(first.label, first.reader, env);
}

function decodeListeners(top: BlockReader): ListenerConfig[] {
  const stanzas = top.labeledBlocks("listener");
  if (stanzas.length === 0) top.fail(undefined, 'at least one listener is required, e.g. listener "tcp" { ... }');
  return stanzas.flatMap(({ label, reader }) => decodeListener(label, reader) ?? []);
}

/** The seal in use, and a disabled one kept for migration; VAULT_SEAL_TYPE replaces the type of the active one. */
function decodeSeals(
  top: BlockReader,
  env: Env,
): { seal: SealConfig | undefined; disabledSeal: SealConfig | undefined } {
  const stanzas = top.labeledBlocks("seal");
  const typeOverride = vaultEnv(env, "VAULT_SEAL_TYPE");
  if (typeOverride !== undefined && !isSealType(typeOverride)) {
    top.fail(undefined, `VAULT_SEAL_TYPE "${typeOverride}" is not a seal type Coffer supports`);
  }
  if (stanzas.length > 2) stanzas[2]?.reader.fail(undefined, "at most two seal stanzas are allowed (one disabled)");
  const decoded = stanzas.slice(0, 2).map(({ label, reader }) => {
    const disabled = reader.has("disabled") && reader.bool("disabled") === true;
    return decodeSeal(!disabled && typeOverride !== undefined ? typeOverride : label, reader, env);
  });
  const active = decoded.filter((seal) => seal !== undefined && !seal.disabled);
  const disabled = decoded.filter((seal) => seal?.disabled === true);
  if (active.length > 1 || disabled.length > 1) {
    top.fail("seal", "two seal stanzas must be one active and one with disabled = true");
  }
  if (stanzas.length === 0) {
    const implicitType = typeOverride ?? "shamir";
    const reader = new BlockReader({}, undefined, `seal "${implicitType}" (VAULT_SEAL_TYPE)`, top.problemList, []);
    return { seal: decodeSeal(implicitType, reader, env), disabledSeal: undefined };
  }
  return { seal: active[0] ?? { type: "shamir", disabled: false }, disabledSeal: disabled[0] };
}

function decodeLogLevel(top: BlockReader, env: Env): LogLevel {
  const fromFile = top.string("log_level");
  const fromEnv = vaultEnv(env, "VAULT_LOG_LEVEL");
  const value = (fromEnv ?? fromFile ?? "info").trim().toLowerCase();
  const level = logLevels[value];
  if (level !== undefined) return level;
  if (fromEnv !== undefined) top.fail(undefined, `VAULT_LOG_LEVEL "${fromEnv}" is not a log level`);
  else top.fail("log_level", `"log_level" must be trace, debug, info, warn or error, got "${value}"`);
  return "info";
}

function decodeLogFormat(top: BlockReader, env: Env): LogFormat {
  const fromFile = top.string("log_format");
  const value = vaultEnv(env, "VAULT_LOG_FORMAT") ?? fromFile ?? "standard";
  if (value === "standard" || value === "json") return value;
  top.fail("log_format", `"log_format" must be "standard" or "json", got "${value}"`);
  return "standard";
}

function decodeLeaseTtls(top: BlockReader): { defaultLeaseTtlSeconds: number; maxLeaseTtlSeconds: number } {
  const defaultTtl = top.durationSeconds("default_lease_ttl");
  const maxTtl = top.durationSeconds("max_lease_ttl");
  const resolvedMax = maxTtl || defaultLeaseTtlSeconds;
  const resolvedDefault = defaultTtl || Math.min(defaultLeaseTtlSeconds, resolvedMax);
  if (resolvedDefault > resolvedMax) {
    top.fail(
      "default_lease_ttl",
      `"default_lease_ttl" (${resolvedDefault}s) must not exceed "max_lease_ttl" (${resolvedMax}s)`,
    );
  }
  return { defaultLeaseTtlSeconds: resolvedDefault, maxLeaseTtlSeconds: resolvedMax };
}

interface Addresses {
  readonly apiAddr: string;
  readonly clusterAddr: string;
}

/** api_addr and cluster_addr: environment over file, then Vault's derivation. */
function resolveAddresses(top: BlockReader, env: Env, listeners: readonly ListenerConfig[]): Addresses | undefined {
  const apiFromFile = top.string("api_addr");
  const clusterFromFile = top.string("cluster_addr");
  let apiAddr = vaultEnv(env, "VAULT_API_ADDR", "VAULT_REDIRECT_ADDR", "VAULT_ADVERTISE_ADDR") ?? apiFromFile;
  const first = listeners[0];
  if (apiAddr === undefined && first !== undefined) {
    const derived = deriveApiAddr(first);
    apiAddr = derived.apiAddr;
    if (derived.guessedHost) {
      top.warn(`"api_addr" is not set and the first listener binds all interfaces; advertising ${apiAddr}`);
    }
  }
  if (apiAddr === undefined) return undefined;
  if (!isHttpUrl(apiAddr)) {
    top.fail("api_addr", `"api_addr" must be a URL such as https://coffer-0.example:8200, got "${apiAddr}"`);
    return undefined;
  }
  const clusterRaw = vaultEnv(env, "VAULT_CLUSTER_ADDR") ?? clusterFromFile ?? deriveClusterAddr(apiAddr);
  if (clusterRaw === undefined || !isHttpUrl(clusterRaw)) {
    top.fail("cluster_addr", `"cluster_addr" must be a URL such as https://coffer-0.example:8201, got "${clusterRaw}"`);
    return undefined;
  }
  // Vault forces the scheme: cluster traffic is always TLS.
  const clusterUrl = new URL(clusterRaw);
  clusterUrl.protocol = "https:";
  const clusterAddr = clusterUrl.origin;
  if (clusterAddr === new URL(apiAddr).origin.replace(/^http:/, "https:")) {
    top.fail("cluster_addr", '"cluster_addr" must differ from "api_addr"');
  }
  return { apiAddr, clusterAddr };
}

function booleanSetting(top: BlockReader, key: string, env: Env, envName?: string): boolean {
  const fromFile = top.bool(key);
  const fromEnv = envName === undefined ? undefined : vaultEnv(env, envName);
  return fromEnv === undefined ? (fromFile ?? false) : envFlag(fromEnv);
}

function decodeTop(top: BlockReader, env: Env, sourceFiles: readonly string[]): ServerConfig | undefined {
  const storage = decodeStorageStanza(top, env);
  const listeners = decodeListeners(top);
  const { seal, disabledSeal } = decodeSeals(top, env);
  const addresses = resolveAddresses(top, env, listeners);
  const disableClustering = top.bool("disable_clustering") ?? false;
  const rest = {
    clusterName: top.string("cluster_name"),
    disableClustering,
    ui: booleanSetting(top, "ui", env, "VAULT_UI"),
    logLevel: decodeLogLevel(top, env),
    logFormat: decodeLogFormat(top, env),
    ...decodeLeaseTtls(top),
    defaultMaxRequestDurationMs: top.durationMs("default_max_request_duration") || defaultMaxRequestDurationMs,
    telemetry: decodeTelemetry(top.blocks("telemetry")),
    pidFile: top.string("pid_file"),
    rawStorageEndpoint: top.bool("raw_storage_endpoint") ?? false,
    introspectionEndpoint: top.bool("introspection_endpoint") ?? false,
    disableCache: top.bool("disable_cache") ?? false,
    cacheSize: top.integer("cache_size", { min: 0 }) || defaultCacheSize,
    enableResponseHeaderHostname: top.bool("enable_response_header_hostname") ?? false,
    enableResponseHeaderRaftNodeId: top.bool("enable_response_header_raft_node_id") ?? false,
  };
  for (const [key, reason] of Object.entries(ignoredTopLevel)) top.ignore(key, reason);
  top.finish(unsupportedTopLevel);
  if (storage?.type === "raft" && disableClustering) {
    top.fail("disable_clustering", '"disable_clustering" cannot be used with storage "raft"');
  }
  if (storage === undefined || seal === undefined || addresses === undefined || listeners.length === 0)
    return undefined;
  return { storage, listeners, seal, disabledSeal, ...addresses, ...rest, warnings: top.warningList, sourceFiles };
}

/** Parses config text. `fileName` names the file in errors and decides HCL vs JSON by its extension. */
export function parseConfig(text: string, fileName: string, options: ParseOptions = {}): ServerConfig {
  const env = options.env ?? process.env;
  const { root, index } = parseSource(text, fileName, options.format);
  const problems = new ProblemList(fileName);
  const top = new BlockReader(root, index, "", problems, []);
  const config = decodeTop(top, env, [fileName]);
  problems.throwIfAny();
  if (config === undefined)
    throw new ConfigError([{ fileName, position: undefined, message: "invalid configuration" }]);
  return config;
}

/** Reads and parses a config file; an unreadable file is a ConfigError naming it. */
export async function loadConfigFile(path: string, options: ParseOptions = {}): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error);
    throw new ConfigError([{ fileName: path, position: undefined, message: `cannot read config file: ${reason}` }], {
      cause: error,
    });
  }
  return parseConfig(text, path, options);
}
