/** `coffer token create | lookup | renew | revoke | capabilities`. */
import { type Command, CommandError, exitOk, withErrorPrefix } from "../command.js";
import type { FlagValues } from "../flags.js";
import { isJsonObject, type JsonObject, readSecret, type Secret, writeSecret } from "../secret.js";
import { printSecret } from "./logical.js";
import { keyValueFlags } from "./secrets.js";

const accessorFlag = { name: "accessor", kind: "bool", usage: "Treat the argument as a token accessor." } as const;

function createBody(flags: FlagValues): JsonObject {
  const body: JsonObject = { renewable: flags.bool("renewable") ?? true };
  const policies = flags
    .strings("policy")
    .flatMap((value) => value.split(","))
    .map((policy) => policy.trim());
  if (policies.length > 0) body["policies"] = policies.filter((policy) => policy !== "");
  const metadata = keyValueFlags(flags.strings("metadata"), "metadata");
  if (Object.keys(metadata).length > 0) body["meta"] = metadata;
  const strings: Array<[string, string]> = [
    ["id", "id"],
    ["display-name", "display_name"],
    ["ttl", "ttl"],
    ["explicit-max-ttl", "explicit_max_ttl"],
    ["period", "period"],
    ["type", "type"],
    ["entity-alias", "entity_alias"],
  ];
  for (const [flag, field] of strings) if (flags.has(flag)) body[field] = flags.string(flag);
  if (flags.has("use-limit")) body["num_uses"] = flags.int("use-limit");
  if (flags.bool("no-default-policy")) body["no_default_policy"] = true;
  if (flags.bool("orphan")) body["no_parent"] = true;
  return body;
}

const createCommand: Command = {
  name: "token create",
  synopsis: "Create a new token",
  usage: "token create [options]",
  help: `Creates a token, by default a child of the calling token with the same policies.

      $ coffer token create -policy=my-policy -ttl=1h
      $ coffer token create -orphan -period=24h -field=token`,
  flags: [
    { name: "id", kind: "string", usage: "Token ID to use instead of a random one (root or sudo only)." },
    { name: "display-name", kind: "string", usage: "Name shown in audit logs and lookups." },
    { name: "ttl", kind: "string", usage: 'Initial TTL ("1h", "30m", seconds).' },
    { name: "explicit-max-ttl", kind: "string", usage: "Hard limit on the token's lifetime, renewals included." },
    { name: "period", kind: "string", usage: "Make a periodic token renewed to this TTL each time." },
    { name: "renewable", kind: "bool", usage: "Allow renewal.", defaultText: "true" },
    { name: "orphan", kind: "bool", usage: "Create a token with no parent (sudo)." },
    { name: "no-default-policy", kind: "bool", usage: 'Do not attach the "default" policy.' },
    { name: "use-limit", kind: "int", usage: "Number of uses before the token is revoked (0: unlimited)." },
    { name: "role", kind: "string", usage: "Create the token through this token role." },
    { name: "type", kind: "string", usage: 'Token type: "service" or "batch".' },
    { name: "policy", kind: "strings", usage: "Policy to attach; may repeat." },
    { name: "metadata", kind: "strings", usage: "Metadata as key=value; may repeat." },
    { name: "entity-alias", kind: "string", usage: "Entity alias to associate with (needs -role)." },
  ],
  groups: { http: true, format: true, field: true },
  maxArgs: 0,
  async run(context) {
    const api = await context.client();
    const role = context.flags.string("role");
    const path =
      role !== undefined
        ? `auth/token/create/${encodeURIComponent(role)}`
        : context.flags.bool("orphan")
          ? "auth/token/create-orphan"
          : "auth/token/create";
    const secret = await withErrorPrefix("Error creating token", () =>
      writeSecret(api, path, createBody(context.flags)),
    );
    if (secret === null) throw new CommandError("Error creating token: the server returned no token", 2);
    return printSecret(context, secret);
  },
};

const lookupCommand: Command = {
  name: "token lookup",
  synopsis: "Print information about a token",
  usage: "token lookup [options] [TOKEN | ACCESSOR]",
  help: `Prints a token's properties: policies, TTL, uses left, metadata. Without an
  argument, looks up the calling token.

      $ coffer token lookup
      $ coffer token lookup -accessor 9793c9b3-...`,
  flags: [accessorFlag],
  groups: { http: true, format: true, field: true },
  maxArgs: 1,
  async run(context) {
    const api = await context.client();
    const argument = context.args[0];
    let secret: Secret | null;
    if (context.flags.bool("accessor")) {
      if (argument === undefined) throw new CommandError("Not enough arguments (expected 1, got 0)");
      secret = await withErrorPrefix("Error looking up token", () =>
        writeSecret(api, "auth/token/lookup-accessor", { accessor: argument }),
      );
    } else if (argument === undefined) {
      secret = await withErrorPrefix("Error looking up token", () => readSecret(api, "auth/token/lookup-self"));
    } else {
      secret = await withErrorPrefix("Error looking up token", () =>
        writeSecret(api, "auth/token/lookup", { token: argument }),
      );
    }
    if (secret === null) throw new CommandError("Error looking up token: no token information returned", 2);
    return printSecret(context, secret);
  },
};

const renewCommand: Command = {
  name: "token renew",
  synopsis: "Renew a token's lease",
  usage: "token renew [options] [TOKEN]",
  help: `Extends a token's TTL (within its max TTL). Without an argument, renews the calling token.

      $ coffer token renew -increment=30m`,
  flags: [accessorFlag, { name: "increment", kind: "string", aliases: ["i"], usage: "Requested TTL extension." }],
  groups: { http: true, format: true, field: true },
  maxArgs: 1,
  async run(context) {
    const api = await context.client();
    const argument = context.args[0];
    const body: JsonObject = {};
    const increment = context.flags.string("increment");
    if (increment !== undefined) body["increment"] = increment;
    let path = "auth/token/renew-self";
    if (argument !== undefined && context.flags.bool("accessor")) {
      path = "auth/token/renew-accessor";
      body["accessor"] = argument;
    } else if (argument !== undefined) {
      path = "auth/token/renew";
      body["token"] = argument;
    }
    const secret = await withErrorPrefix("Error renewing token", () => writeSecret(api, path, body));
    if (secret === null) throw new CommandError("Error renewing token: no token information returned", 2);
    return printSecret(context, secret);
  },
};

const revokeCommand: Command = {
  name: "token revoke",
  synopsis: "Revoke a token and its children",
  usage: "token revoke [options] [TOKEN | ACCESSOR]",
  help: `Revokes a token, every token created from it and their leases. -mode=orphan
  revokes only the token and leaves its children as orphans.

      $ coffer token revoke 96ddf4bc-...
      $ coffer token revoke -self`,
  flags: [
    accessorFlag,
    { name: "self", kind: "bool", usage: "Revoke the calling token." },
    { name: "mode", kind: "string", usage: '"" (token and children), "orphan" (token only) or "path" (by prefix).' },
  ],
  groups: { http: true },
  maxArgs: 1,
  async run({ ui, flags, args, client }) {
    const api = await client();
    const argument = args[0];
    const mode = flags.string("mode") ?? "";
    if (!["", "orphan", "path"].includes(mode)) throw new CommandError(`Invalid mode "${mode}"`);
    if (flags.bool("self") && argument !== undefined) throw new CommandError("Too many arguments (expected 0, got 1)");
    if (!flags.bool("self") && argument === undefined)
      throw new CommandError("Not enough arguments (expected 1, got 0)");
    await withErrorPrefix("Error revoking token", async () => {
      if (flags.bool("self")) return writeSecret(api, "auth/token/revoke-self", {});
      if (flags.bool("accessor")) return writeSecret(api, "auth/token/revoke-accessor", { accessor: argument });
      if (mode === "orphan") return writeSecret(api, "auth/token/revoke-orphan", { token: argument });
      if (mode === "path") return writeSecret(api, `sys/leases/revoke-prefix/${argument}`, {});
      return writeSecret(api, "auth/token/revoke", { token: argument });
    });
    ui.output("Success! Revoked token (if it existed)");
    return exitOk;
  },
};

const capabilitiesCommand: Command = {
  name: "token capabilities",
  synopsis: "Print a token's capabilities on a path",
  usage: "token capabilities [options] [TOKEN | ACCESSOR] PATH",
  help: `Prints what a token may do on PATH (with one argument, the calling token).

      $ coffer token capabilities secret/foo
      $ coffer token capabilities 96ddf4bc-... secret/foo`,
  flags: [accessorFlag],
  groups: { http: true, format: true },
  minArgs: 1,
  maxArgs: 2,
  async run({ ui, flags, args, client }) {
    const api = await client();
    const path = (args.length === 2 ? args[1] : args[0]) as string;
    let endpoint = "sys/capabilities-self";
    const body: JsonObject = { paths: [path] };
    if (args.length === 2 && flags.bool("accessor")) {
      endpoint = "sys/capabilities-accessor";
      body["accessor"] = args[0];
    } else if (args.length === 2) {
      endpoint = "sys/capabilities";
      body["token"] = args[0];
    }
    const secret = await withErrorPrefix("Error listing capabilities", () => writeSecret(api, endpoint, body));
    const data: JsonObject = isJsonObject(secret?.data) ? secret.data : {};
    const list = data[path] ?? data["capabilities"];
    const capabilities = Array.isArray(list) ? list.map(String).sort() : [];
    if (ui.format !== "table") ui.data(capabilities);
    else ui.output(capabilities.join(", "));
    return exitOk;
  },
};

export const tokenCommands: readonly Command[] = [
  createCommand,
  lookupCommand,
  renewCommand,
  revokeCommand,
  capabilitiesCommand,
];
