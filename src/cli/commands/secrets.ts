/** `coffer secrets enable | disable | list | tune | move`: the mount table (sys/mounts). */
import { type Command, CommandError, exitOk, withErrorPrefix } from "../command.js";
import type { FlagSpec, FlagValues } from "../flags.js";
import { table } from "../format/table.js";
import { goValue, humanDuration } from "../format/values.js";
import { sanitizePath } from "../paths.js";
import { isJsonObject, type JsonObject, readSecret, writeSecret } from "../secret.js";

export function withTrailingSlash(path: string): string {
  const clean = sanitizePath(path);
  return clean.endsWith("/") ? clean : `${clean}/`;
}

/** `-options=k=v` (repeatable) -> { k: v }. */
export function keyValueFlags(values: readonly string[], flagName: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of values) {
    const equals = entry.indexOf("=");
    if (equals <= 0) throw new CommandError(`invalid -${flagName} value "${entry}": expected key=value`);
    result[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return result;
}

const tuneFlags: readonly FlagSpec[] = [
  { name: "description", kind: "string", usage: "Human-friendly description." },
  { name: "default-lease-ttl", kind: "string", usage: 'Default lease TTL ("1h", seconds, or "system").' },
  { name: "max-lease-ttl", kind: "string", usage: 'Maximum lease TTL ("720h", seconds, or "system").' },
  { name: "audit-non-hmac-request-keys", kind: "strings", usage: "Request keys not HMAC'd in audit; may repeat." },
  { name: "audit-non-hmac-response-keys", kind: "strings", usage: "Response keys not HMAC'd in audit; may repeat." },
  { name: "listing-visibility", kind: "string", usage: 'Listing visibility: "unauth" or "hidden".' },
  { name: "passthrough-request-headers", kind: "strings", usage: "Request headers passed to the engine; may repeat." },
  { name: "allowed-response-headers", kind: "strings", usage: "Response headers the engine may set; may repeat." },
  { name: "options", kind: "strings", usage: "Engine option as key=value; may repeat." },
  { name: "plugin-version", kind: "string", usage: "Accepted for compatibility." },
];

/** The `config` object shared by enable and tune: only flags the user gave. */
function mountConfig(flags: FlagValues): JsonObject {
  const config: JsonObject = {};
  const strings: Array<[string, string]> = [
    ["default-lease-ttl", "default_lease_ttl"],
    ["max-lease-ttl", "max_lease_ttl"],
    ["listing-visibility", "listing_visibility"],
    ["plugin-version", "plugin_version"],
  ];
  for (const [flag, field] of strings) if (flags.has(flag)) config[field] = flags.string(flag);
  const lists: Array<[string, string]> = [
    ["audit-non-hmac-request-keys", "audit_non_hmac_request_keys"],
    ["audit-non-hmac-response-keys", "audit_non_hmac_response_keys"],
    ["passthrough-request-headers", "passthrough_request_headers"],
    ["allowed-response-headers", "allowed_response_headers"],
  ];
  for (const [flag, field] of lists) if (flags.has(flag)) config[field] = flags.strings(flag);
  return config;
}

function mountOptions(flags: FlagValues): Record<string, string> {
  const options = keyValueFlags(flags.strings("options"), "options");
  const kvVersion = flags.int("version");
  if (kvVersion !== undefined && kvVersion > 0) options["version"] = String(kvVersion);
  return options;
}

const enableCommand: Command = {
  name: "secrets enable",
  synopsis: "Enable a secrets engine",
  usage: "secrets enable [options] TYPE",
  help: `Enables a secrets engine of TYPE at -path (by default the type's name).

      $ coffer secrets enable -path=kv -version=2 kv
      $ coffer secrets enable -description="team secrets" -max-lease-ttl=72h kv`,
  flags: [
    { name: "path", kind: "string", usage: "Where to mount the engine; defaults to the type." },
    ...tuneFlags,
    { name: "force-no-cache", kind: "bool", usage: "Never cache this engine's data." },
    { name: "local", kind: "bool", usage: "Mark the mount local (not replicated)." },
    { name: "seal-wrap", kind: "bool", usage: "Accepted for compatibility." },
    { name: "external-entropy-access", kind: "bool", usage: "Accepted for compatibility." },
    { name: "plugin-name", kind: "string", usage: "Plugin name for type plugin." },
    { name: "version", kind: "int", usage: "KV version to mount (1 or 2); sets options version." },
  ],
  groups: { http: true },
  minArgs: 1,
  maxArgs: 1,
  async run({ ui, flags, args, client }) {
    const api = await client();
    const type = sanitizePath(args[0] as string).replace(/\/+$/, "");
    const path = withTrailingSlash(flags.string("path") ?? type);
    const config = mountConfig(flags);
    if (flags.bool("force-no-cache")) config["force_no_cache"] = true;
    const body: JsonObject = {
      type,
      description: flags.string("description") ?? "",
      config,
      options: mountOptions(flags),
    };
    if (flags.bool("local")) body["local"] = true;
    if (flags.bool("seal-wrap")) body["seal_wrap"] = true;
    if (flags.bool("external-entropy-access")) body["external_entropy_access"] = true;
    if (flags.has("plugin-name")) body["plugin_name"] = flags.string("plugin-name");
    await withErrorPrefix(`Error enabling: ${path}`, () =>
      writeSecret(api, `sys/mounts/${path}`, body, { method: "POST" }),
    );
    ui.output(`Success! Enabled the ${type} secrets engine at: ${path}`);
    return exitOk;
  },
};

const disableCommand: Command = {
  name: "secrets disable",
  synopsis: "Disable a secrets engine",
  usage: "secrets disable [options] PATH",
  help: `Disables the secrets engine at PATH. Every secret stored in it is deleted and
  its leases are revoked.

      $ coffer secrets disable kv/`,
  groups: { http: true },
  minArgs: 1,
  maxArgs: 1,
  async run({ ui, args, client }) {
    const api = await client();
    const path = withTrailingSlash(args[0] as string);
    await withErrorPrefix(`Error disabling secrets engine at ${path}`, () =>
      api.request("DELETE", `sys/mounts/${path}`),
    );
    ui.output(`Success! Disabled the secrets engine (if it existed) at: ${path}`);
    return exitOk;
  },
};

function ttlText(value: unknown): string {
  return typeof value === "number" && value > 0 ? humanDuration(value) : "system";
}

function mountRows(mounts: JsonObject, detailed: boolean): string[][] {
  return Object.keys(mounts)
    .sort()
    .flatMap((path) => {
      const mount = mounts[path];
      if (!isJsonObject(mount)) return [];
      const config = isJsonObject(mount["config"]) ? mount["config"] : {};
      const basic = [path, String(mount["type"] ?? ""), String(mount["accessor"] ?? "")];
      if (!detailed) return [[...basic, String(mount["description"] ?? "")]];
      return [
        [
          ...basic,
          ttlText(config["default_lease_ttl"]),
          ttlText(config["max_lease_ttl"]),
          String(config["force_no_cache"] ?? false),
          mount["local"] === true ? "local" : "replicated",
          String(mount["seal_wrap"] ?? false),
          goValue(mount["options"] ?? null),
          String(mount["description"] ?? ""),
          String(mount["uuid"] ?? ""),
        ],
      ];
    });
}

/** The mount map from a sys/mounts answer (inside data, or at the top level for old servers). */
export function mountsOf(secret: { data?: unknown } | null, body?: unknown): JsonObject {
  if (isJsonObject(secret?.data)) return secret.data;
  return isJsonObject(body) ? body : {};
}

const listMountsCommand: Command = {
  name: "secrets list",
  synopsis: "List enabled secrets engines",
  usage: "secrets list [options]",
  help: "Lists the enabled secrets engines and where they are mounted.",
  flags: [{ name: "detailed", kind: "bool", usage: "Show TTLs, options and other details." }],
  groups: { http: true, format: true },
  maxArgs: 0,
  async run({ ui, flags, client }) {
    const api = await client();
    const secret = await withErrorPrefix("Error listing secrets engines", () => readSecret(api, "sys/mounts"));
    const mounts = mountsOf(secret);
    if (ui.format !== "table") {
      ui.data(mounts);
      return exitOk;
    }
    const detailed = flags.bool("detailed") === true;
    const header = detailed
      ? [
          "Path",
          "Plugin",
          "Accessor",
          "Default TTL",
          "Max TTL",
          "Force No Cache",
          "Replication",
          "Seal Wrap",
          "Options",
          "Description",
          "UUID",
        ]
      : ["Path", "Type", "Accessor", "Description"];
    ui.output(table(header, mountRows(mounts, detailed)));
    return exitOk;
  },
};

const tuneCommand: Command = {
  name: "secrets tune",
  synopsis: "Tune a secrets engine's configuration",
  usage: "secrets tune [options] PATH",
  help: `Changes the configuration of the engine at PATH; only the flags given change.

      $ coffer secrets tune -max-lease-ttl=24h secret/
      $ coffer secrets tune -options=version=2 kv/    # upgrade KV to version 2`,
  flags: [...tuneFlags, { name: "version", kind: "int", usage: "KV version (2 upgrades a version 1 mount)." }],
  groups: { http: true },
  minArgs: 1,
  maxArgs: 1,
  async run({ ui, flags, args, client }) {
    const api = await client();
    const path = withTrailingSlash(args[0] as string);
    const body: JsonObject = mountConfig(flags);
    if (flags.has("description")) body["description"] = flags.string("description");
    const options = mountOptions(flags);
    if (Object.keys(options).length > 0) body["options"] = options;
    await withErrorPrefix("Error tuning secrets engine", () =>
      writeSecret(api, `sys/mounts/${path}tune`, body, { method: "POST" }),
    );
    ui.output(`Success! Tuned the secrets engine at: ${path}`);
    return exitOk;
  },
};

const moveCommand: Command = {
  name: "secrets move",
  synopsis: "Move a secrets engine to a new path",
  usage: "secrets move [options] SOURCE DESTINATION",
  help: `Moves the engine mounted at SOURCE to DESTINATION, keeping its data.

      $ coffer secrets move secret/ generic/`,
  groups: { http: true },
  minArgs: 2,
  maxArgs: 2,
  async run({ ui, args, client }) {
    const api = await client();
    const from = withTrailingSlash(args[0] as string);
    const to = withTrailingSlash(args[1] as string);
    const secret = await withErrorPrefix("Error moving secrets engine", () =>
      writeSecret(api, "sys/remount", { from, to }, { method: "POST" }),
    );
    const migrationId = secret?.data?.["migration_id"];
    ui.output(
      typeof migrationId === "string"
        ? `Success! Started moving secrets engine ${from} to ${to}, with migration ID ${migrationId}`
        : `Success! Moved secrets engine ${from} to: ${to}`,
    );
    return exitOk;
  },
};

export const secretsCommands: readonly Command[] = [
  enableCommand,
  disableCommand,
  listMountsCommand,
  tuneCommand,
  moveCommand,
];
