/**
 * The sealed-safe endpoints that answer raw JSON (no envelope) and bypass the
 * request pipeline, as in Vault: init, seal-status, unseal, health, leader,
 * and metrics when the listener allows unauthenticated access. Each is served
 * by the node that receives it, never forwarded.
 */

import { type CoreFacade, chooseMetricsFormat, type HealthStatus, type MetricsFormat } from "../core/index.js";
import { CofferError, invalidRequest } from "../lib/index.js";
import { writeEmpty, writeJson } from "./respond.js";
import type { ResponseSink } from "./sink.js";

export interface RawRequest {
  readonly method: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Decoded JSON body (empty object when none). */
  readonly body: Record<string, unknown>;
}

export type RawHandler = (core: CoreFacade, request: RawRequest, response: ResponseSink) => Promise<void>;

function methodNotAllowed(): CofferError {
  return new CofferError("unsupported_operation", "");
}

/** Vault's unseal/init bodies have no JSON tags: field names match case-insensitively. */
function field(body: Record<string, unknown>, name: string): unknown {
  for (const [key, value] of Object.entries(body)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function optionalInt(body: Record<string, unknown>, name: string): number | undefined {
  const value = field(body, name);
  if (value === undefined || value === null) return undefined;
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number)) throw invalidRequest(`"${name}" must be an integer`);
  return number;
}

function optionalStrings(body: Record<string, unknown>, name: string): string[] | undefined {
  const value = field(body, name);
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw invalidRequest(`"${name}" must be a list of strings`);
  }
  return value as string[];
}

const handleInit: RawHandler = async (core, request, response) => {
  if (request.method === "GET") {
    writeJson(response, 200, { initialized: await core.isInitialized() });
    return;
  }
  if (request.method !== "PUT" && request.method !== "POST") throw methodNotAllowed();
  const body = request.body;
  const pgpKeys = optionalStrings(body, "pgp_keys");
  const recoveryPgpKeys = optionalStrings(body, "recovery_pgp_keys");
  const rootTokenPgpKey = field(body, "root_token_pgp_key");
  if (pgpKeys?.length || recoveryPgpKeys?.length || (typeof rootTokenPgpKey === "string" && rootTokenPgpKey !== "")) {
    throw invalidRequest(
      "PGP-encrypted key shares and root tokens are not supported by Coffer; omit pgp_keys, recovery_pgp_keys and root_token_pgp_key",
    );
  }
  const result = await core.initialize({
    ...definedInt("secretShares", optionalInt(body, "secret_shares")),
    ...definedInt("secretThreshold", optionalInt(body, "secret_threshold")),
    ...definedInt("recoveryShares", optionalInt(body, "recovery_shares")),
    ...definedInt("recoveryThreshold", optionalInt(body, "recovery_threshold")),
    ...definedInt("storedShares", optionalInt(body, "stored_shares")),
  });
  writeJson(response, 200, result);
};

function definedInt<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

const handleSealStatus: RawHandler = async (core, request, response) => {
  if (request.method !== "GET") throw methodNotAllowed();
  writeJson(response, 200, await core.sealStatus());
};

const handleUnseal: RawHandler = async (core, request, response) => {
  if (request.method !== "PUT" && request.method !== "POST") throw methodNotAllowed();
  const reset = field(request.body, "reset");
  if (reset === true || reset === "true") {
    writeJson(response, 200, await core.resetUnseal());
    return;
  }
  const key = field(request.body, "key");
  if (typeof key !== "string" || key === "") {
    throw invalidRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
  }
  writeJson(response, 200, await core.unseal(key));
};

const healthCodeDefaults = {
  activecode: 200,
  standbycode: 429,
  drsecondarycode: 472,
  performancestandbycode: 473,
  sealedcode: 503,
  uninitcode: 501,
} as const;

function healthCode(query: URLSearchParams, name: keyof typeof healthCodeDefaults): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return healthCodeDefaults[name];
  const code = Number(raw);
  if (!Number.isInteger(code) || code < 100 || code > 999) throw invalidRequest("");
  return code;
}

function queryBool(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  if (raw === null) return false;
  // Vault treats a present-but-empty standbyok as true.
  return raw === "" || ["1", "t", "true", "TRUE", "True"].includes(raw);
}

export function healthStatusCode(status: HealthStatus, query: URLSearchParams): number {
  if (!status.initialized) return healthCode(query, "uninitcode");
  if (status.sealed) return healthCode(query, "sealedcode");
  if (status.standby && !queryBool(query, "standbyok")) return healthCode(query, "standbycode");
  return healthCode(query, "activecode");
}

const handleHealth: RawHandler = async (core, request, response) => {
  if (request.method !== "GET" && request.method !== "HEAD") throw methodNotAllowed();
  const status = await core.health();
  // Validate every code parameter even when it does not apply, as Vault does.
  for (const name of Object.keys(healthCodeDefaults) as Array<keyof typeof healthCodeDefaults>)
    healthCode(request.query, name);
  const code = healthStatusCode(status, request.query);
  if (request.method === "HEAD") writeEmpty(response, code, { "Content-Type": "application/json" });
  else writeJson(response, code, status);
};

const handleLeader: RawHandler = async (core, request, response) => {
  if (request.method !== "GET") throw methodNotAllowed();
  writeJson(response, 200, await core.leader());
};

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidRequest(`"${name}" must be a string`);
  return value;
}

function optionalBool(body: Record<string, unknown>, name: string): boolean {
  const value = body[name];
  if (value === undefined || value === null) return false;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw invalidRequest(`"${name}" must be a boolean`);
}

const handleRaftJoin: RawHandler = async (core, request, response) => {
  if (request.method !== "PUT" && request.method !== "POST") throw methodNotAllowed();
  const body = request.body;
  if (optionalString(body, "auto_join")) {
    throw invalidRequest("auto_join (cloud auto-discovery) is not supported; give leader_api_addr");
  }
  const target = {
    leaderApiAddr: optionalString(body, "leader_api_addr") ?? "",
    ...definedString("leaderCaCert", optionalString(body, "leader_ca_cert")),
    ...definedString("leaderClientCert", optionalString(body, "leader_client_cert")),
    ...definedString("leaderClientKey", optionalString(body, "leader_client_key")),
    ...definedString("leaderTlsServerName", optionalString(body, "leader_tls_servername")),
  };
  const result = await core.joinCluster({
    target,
    retry: optionalBool(body, "retry"),
    nonVoter: optionalBool(body, "non_voter"),
  });
  writeJson(response, 200, result);
};

function definedString<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined || value === "" ? {} : ({ [key]: value } as Record<K, string>);
}

export function metricsFormatOf(request: RawRequest): MetricsFormat {
  return chooseMetricsFormat(request.query.get("format") ?? "", String(request.headers.accept ?? ""));
}

const handleMetrics: RawHandler = async (core, request, response) => {
  if (request.method !== "GET") throw methodNotAllowed();
  const output = await core.metrics(metricsFormatOf(request));
  response.writeHead(200, { "Content-Type": output.contentType, "Cache-Control": "no-store" });
  response.end(output.body);
};

export const rawHandlers: ReadonlyMap<string, RawHandler> = new Map([
  ["sys/init", handleInit],
  ["sys/seal-status", handleSealStatus],
  ["sys/unseal", handleUnseal],
  ["sys/health", handleHealth],
  ["sys/leader", handleLeader],
  ["sys/storage/raft/join", handleRaftJoin],
]);

export const unauthenticatedMetricsHandler: RawHandler = handleMetrics;
