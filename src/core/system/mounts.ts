/** sys/mounts and sys/auth: enable, disable, read, list and tune mounts. */
import { definePath, type Path } from "../../framework/index.js";
import { CofferError, invalidRequest, parseDurationSeconds } from "../../lib/index.js";
import type { Response } from "../../logical/index.js";
import {
  type ListingVisibility,
  type MountConfig,
  type MountEntry,
  type MountTableKind,
  newMountEntry,
  normalizeMountPath,
} from "../mounts/index.js";
import type { SystemContext } from "./context.js";
import { mountInfo, tuneInfo } from "./mount-info.js";

/** A TTL in a mount config: seconds, a duration string, or "system" (= 0, the system value). */
function ttlSeconds(raw: unknown, field: string): number {
  if (raw === "system" || raw === "" || raw === undefined || raw === null) return 0;
  try {
    const seconds = parseDurationSeconds(raw);
    if (seconds < 0) throw invalidRequest(`${field} must not be negative`);
    return seconds;
  } catch (error) {
    if (error instanceof CofferError)
      throw invalidRequest(`unable to parse ${field}: ${error.message}`, { cause: error });
    throw error;
  }
}

function stringList(raw: unknown, field: string): string[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw === "string") return raw === "" ? [] : raw.split(",").map((item) => item.trim());
  if (Array.isArray(raw) && raw.every((item) => typeof item === "string")) return raw as string[];
  throw invalidRequest(`${field} must be a list of strings`);
}

function listingVisibility(raw: unknown): ListingVisibility {
  if (raw === undefined || raw === null || raw === "") return "";
  if (raw === "unauth" || raw === "hidden") return raw;
  throw invalidRequest(`invalid listing_visibility ${String(raw)}`);
}

const configKeys = new Set([
  "default_lease_ttl",
  "max_lease_ttl",
  "force_no_cache",
  "audit_non_hmac_request_keys",
  "audit_non_hmac_response_keys",
  "listing_visibility",
  "passthrough_request_headers",
  "allowed_response_headers",
  "token_type",
  "plugin_version",
]);

/** Reads the keys present in a config map (enable's `config` or tune's body) into a partial MountConfig. */
function parseConfig(raw: Record<string, unknown>, table: MountTableKind): Partial<MountConfig> {
  const config: Partial<MountConfig> = {};
  if ("default_lease_ttl" in raw)
    config.defaultLeaseTtlSeconds = ttlSeconds(raw.default_lease_ttl, "default_lease_ttl");
  if ("max_lease_ttl" in raw) config.maxLeaseTtlSeconds = ttlSeconds(raw.max_lease_ttl, "max_lease_ttl");
  if ("force_no_cache" in raw) config.forceNoCache = raw.force_no_cache === true || raw.force_no_cache === "true";
  if ("audit_non_hmac_request_keys" in raw) {
    config.auditNonHmacRequestKeys = stringList(raw.audit_non_hmac_request_keys, "audit_non_hmac_request_keys");
  }
  if ("audit_non_hmac_response_keys" in raw) {
    config.auditNonHmacResponseKeys = stringList(raw.audit_non_hmac_response_keys, "audit_non_hmac_response_keys");
  }
  if ("listing_visibility" in raw) config.listingVisibility = listingVisibility(raw.listing_visibility);
  if ("passthrough_request_headers" in raw) {
    config.passthroughRequestHeaders = stringList(raw.passthrough_request_headers, "passthrough_request_headers");
  }
  if ("allowed_response_headers" in raw) {
    config.allowedResponseHeaders = stringList(raw.allowed_response_headers, "allowed_response_headers");
  }
  if ("token_type" in raw && raw.token_type !== "" && raw.token_type !== undefined) {
    if (table !== "auth") throw invalidRequest("'token_type' can only be modified on auth mounts");
    const tokenType = String(raw.token_type);
    if (!["default-service", "default-batch", "service", "batch"].includes(tokenType)) {
      throw invalidRequest(`invalid value for "token_type": ${tokenType}`);
    }
    config.tokenType = tokenType;
  }
  return config;
}

function checkTtls(config: MountConfig, context: SystemContext): void {
  const system = context.mounter.systemTtls();
  if (config.maxLeaseTtlSeconds > system.maxLeaseTtlSeconds) {
    throw invalidRequest("given max lease TTL greater than system max lease TTL");
  }
  const effectiveMax = config.maxLeaseTtlSeconds || system.maxLeaseTtlSeconds;
  if (config.defaultLeaseTtlSeconds > effectiveMax) {
    throw invalidRequest(
      config.maxLeaseTtlSeconds
        ? "given default lease TTL greater than given max lease TTL"
        : "given default lease TTL greater than system max lease TTL",
    );
  }
}

/** `kv-v1` / `kv-v2` are aliases for kv with a version option, and `generic` is old kv. */
function resolveType(type: string, options: Record<string, string>): { type: string; options: Record<string, string> } {
  if (type === "kv-v1") return { type: "kv", options: { ...options, version: "1" } };
  if (type === "kv-v2") return { type: "kv", options: { ...options, version: "2" } };
  if (type === "generic") return { type: "kv", options };
  if (options.version !== undefined && type !== "kv") {
    throw invalidRequest(`secrets engine "${type}" does not allow setting a version`);
  }
  return { type, options };
}

const enableFields = {
  path: { type: "string", description: "The path to mount to." },
  type: { type: "string", description: "The type of the backend (`kv`, `kv-v2`, ...)." },
  description: { type: "string", description: "User-friendly description for this mount." },
  config: { type: "map", description: "Configuration for this mount (TTLs, audit keys, headers)." },
  options: { type: "kv-pairs", description: "Engine-specific options (kv: version)." },
  local: { type: "bool", description: "Mark the mount as local (not replicated).", default: false },
  seal_wrap: { type: "bool", description: "Whether to turn on seal wrapping.", default: false },
  external_entropy_access: {
    type: "bool",
    description: "Whether to give the mount access to external entropy.",
    default: false,
  },
  plugin_name: { type: "string", description: "Name of the plugin (for type `plugin`)." },
  plugin_version: { type: "string", description: "The semantic version of the plugin to use." },
} as const;

const tuneFields = {
  path: { type: "string", description: "The mount to tune." },
  default_lease_ttl: { type: "string", description: "Default lease TTL for this mount (duration or `system`)." },
  max_lease_ttl: { type: "string", description: "Maximum lease TTL for this mount (duration or `system`)." },
  description: { type: "string", description: "User-friendly description for this mount." },
  audit_non_hmac_request_keys: { type: "comma-string-slice", description: "Request keys not HMAC'd in the audit log." },
  audit_non_hmac_response_keys: {
    type: "comma-string-slice",
    description: "Response keys not HMAC'd in the audit log.",
  },
  listing_visibility: { type: "string", description: "`unauth` to list the mount in the UI without a token." },
  passthrough_request_headers: { type: "comma-string-slice", description: "Request headers passed to the backend." },
  allowed_response_headers: { type: "comma-string-slice", description: "Response headers the backend may set." },
  token_type: { type: "string", description: "Auth mounts: the type of tokens to issue." },
  options: { type: "kv-pairs", description: "Engine-specific options." },
  plugin_version: { type: "string", description: "The semantic version of the plugin to use." },
} as const;

function mountPaths(context: SystemContext, table: MountTableKind): Path[] {
  const base = table === "auth" ? "auth" : "mounts";
  const noun = table === "auth" ? "auth method" : "secrets engine";
  const findEntry = (rawPath: string): MountEntry | undefined =>
    context.mounter.tables[table].find(normalizeMountPath(rawPath));
  const requireEntry = (rawPath: string): MountEntry => {
    const entry = findEntry(rawPath);
    if (!entry) throw invalidRequest(`no mount entry found at path "${rawPath}"`);
    return entry;
  };

  const list = definePath({
    pattern: base,
    operations: {
      read: async (): Promise<Response> => {
        const data: Record<string, unknown> = {};
        for (const entry of context.mounter.tables[table].entries()) data[entry.path] = mountInfo(entry);
        return { data };
      },
    },
    helpSynopsis: `List the currently mounted ${noun}s.`,
  });

  const tune = definePath({
    pattern: `${base}/(?<path>.+?)/tune`,
    fields: tuneFields,
    operations: {
      read: async (_request, data) => ({ data: tuneInfo(requireEntry(data.get("path")), context.mounter) }),
      update: async (request, data) => {
        const entry = requireEntry(data.get("path"));
        const configInput = Object.fromEntries(Object.entries(request.data).filter(([key]) => configKeys.has(key)));
        const changes = parseConfig(configInput, table);
        const config: MountConfig = { ...entry.config, ...changes };
        checkTtls(config, context);
        const options = data.has("options") ? tunedOptions(entry, data.get("options")) : entry.options;
        const description = data.has("description") ? data.get("description") : entry.description;
        const pluginVersion = data.has("plugin_version") ? data.get("plugin_version") : entry.pluginVersion;
        await context.mounter.tune({ ...entry, config, options, description, pluginVersion });
        return undefined;
      },
    },
    helpSynopsis: `Tune the configuration of a ${noun}.`,
  });

  const single = definePath({
    pattern: `${base}/(?<path>.+)`,
    fields: enableFields,
    operations: {
      read: async (_request, data) => {
        const entry = findEntry(data.get("path"));
        return entry ? { data: mountInfo(entry) } : undefined;
      },
      update: async (request, data) => {
        const rawType = data.get("type");
        if (rawType === "") throw invalidRequest("backend type must be specified as a string");
        const resolved = resolveType(rawType === "plugin" ? data.get("plugin_name") : rawType, data.get("options"));
        const rawConfig = (request.data.config ?? {}) as Record<string, unknown>;
        const unknownKeys = Object.keys(rawConfig).filter((key) => !configKeys.has(key));
        if (unknownKeys.length) throw invalidRequest(`unknown config keys: ${unknownKeys.join(", ")}`);
        const entry = newMountEntry({
          table,
          path: data.get("path"),
          type: resolved.type,
          description: data.get("description"),
          config: parseConfig(rawConfig, table),
          options: resolved.options,
          local: data.get("local"),
          sealWrap: data.get("seal_wrap"),
          externalEntropyAccess: data.get("external_entropy_access"),
          pluginVersion: data.get("plugin_version"),
        });
        checkTtls(entry.config, context);
        if (table === "auth" && entry.type === "token") {
          throw invalidRequest("token credential backend cannot be instantiated");
        }
        await context.mounter.enable(entry);
        return undefined;
      },
      delete: async (_request, data) => {
        const entry = findEntry(data.get("path"));
        if (!entry) return undefined;
        if (["system", "token", "cubbyhole", "identity"].includes(entry.type)) {
          throw new CofferError("invalid_request", `cannot unmount "${entry.path}"`);
        }
        await context.mounter.disable(entry, async (removed) => {
          const prefix = table === "auth" ? `auth/${removed.path}` : removed.path;
          await context.revokeLeasesByPrefix(prefix);
        });
        return undefined;
      },
    },
    helpSynopsis: `Enable, read or disable a ${noun} at a path.`,
  });
  return [list, tune, single];
}

/** Tuning options: kv may not change version (no v1<->v2 data migration in Coffer); other keys merge. */
function tunedOptions(entry: MountEntry, requested: Record<string, string>): Record<string, string> {
  const next = { ...entry.options, ...requested };
  if (entry.type === "kv" && requested.version !== undefined && requested.version !== (entry.options.version ?? "1")) {
    throw invalidRequest(
      "changing the version of a kv mount is not supported by Coffer; mount a new kv-v2 engine and copy the data",
    );
  }
  return next;
}

export function mountsPaths(context: SystemContext): Path[] {
  return [...mountPaths(context, "mounts"), ...mountPaths(context, "auth")];
}
