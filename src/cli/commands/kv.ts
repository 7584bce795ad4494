/** `coffer kv get | put | patch | delete | undelete | destroy | list | rollback | enable-versioning`. */
import { type Command, type CommandContext, CommandError, exitApi, exitOk, withErrorPrefix } from "../command.js";
import { parseKeyValueArgs } from "../kv-args.js";
import {
  deleteSecret,
  isJsonObject,
  type JsonObject,
  listSecret,
  readSecret,
  type Secret,
  writeSecret,
} from "../secret.js";
import { kvMetadataCommands } from "./kv-metadata.js";
import { kvApiPath, mountFlag, parseVersions, requireV2, resolveKvTarget } from "./kv-mount.js";
import { outputPath, outputTitledMap, printWriteResult } from "./kv-output.js";
import { printSecret } from "./logical.js";

function printV2Field(context: CommandContext, secret: Secret, field: string, apiPath: string): number {
  const inner = secret.data?.["data"];
  if (!isJsonObject(inner)) throw new CommandError(`No data found at ${apiPath}`, exitApi);
  const value = inner[field];
  if (value === undefined) throw new CommandError(`Field "${field}" not present in secret`);
  context.ui.rawField(value);
  return exitOk;
}

const getCommand: Command = {
  name: "kv get",
  synopsis: "Read a secret from the KV store",
  usage: "kv get [options] KEY",
  help: `Reads the secret at KEY. On a version 2 mount -version reads an older version.

      $ coffer kv get secret/foo
      $ coffer kv get -mount=secret -version=1 foo`,
  flags: [mountFlag, { name: "version", kind: "int", usage: "The version to read (KV version 2)." }],
  groups: { http: true, format: true, field: true },
  minArgs: 1,
  maxArgs: 1,
  async run(context) {
    const api = await context.client();
    const target = await resolveKvTarget(context, api);
    const apiPath = target.version === 2 ? kvApiPath(target, "data") : target.path;
    const version = context.flags.int("version");
    const query =
      target.version === 2 && version !== undefined && version > 0 ? { version: String(version) } : undefined;
    const secret = await withErrorPrefix(`Error reading ${apiPath}`, () => readSecret(api, apiPath, query));
    if (secret === null) throw new CommandError(`No value found at ${apiPath}`, exitApi);
    const field = context.flags.string("field");
    if (field !== undefined) {
      return target.version === 2 ? printV2Field(context, secret, field, apiPath) : printSecret(context, secret);
    }
    if (context.ui.format !== "table" || secret.wrap_info) return printSecret(context, secret);
    context.ui.warnings(secret);
    if (target.version === 1) {
      outputTitledMap(context.ui, "Data", secret.data ?? {});
      return exitOk;
    }
    outputPath(context.ui, apiPath, "Secret Path");
    const metadata = secret.data?.["metadata"];
    if (isJsonObject(metadata)) {
      outputTitledMap(context.ui, "Metadata", metadata);
      context.ui.output("");
    }
    const data = secret.data?.["data"];
    if (isJsonObject(data)) outputTitledMap(context.ui, "Data", data);
    return exitOk;
  },
};

const casFlag = {
  name: "cas",
  kind: "int",
  usage: "Check-and-set: write only if the current version is this (0: only if absent).",
} as const;

const putCommand: Command = {
  name: "kv put",
  synopsis: "Write a secret to the KV store",
  usage: "kv put [options] KEY [DATA]",
  help: `Writes the data as the new version of KEY (all of it: keys not given are gone
  from the new version). DATA is K=V pairs, K=@file, K=- or a lone - for JSON on stdin.

      $ coffer kv put secret/foo bar=baz
      $ coffer kv put -cas=1 secret/foo bar=qux`,
  flags: [mountFlag, casFlag],
  groups: { http: true, format: true, field: true },
  minArgs: 1,
  async run(context) {
    const api = await context.client();
    const target = await resolveKvTarget(context, api);
    const data = await parseKeyValueArgs(context.args.slice(1), context.io);
    if (Object.keys(data).length === 0) throw new CommandError("Must supply data");
    const cas = context.flags.int("cas");
    if (target.version === 1) {
      await withErrorPrefix(`Error writing data to ${target.path}`, () => writeSecret(api, target.path, data));
      return printWriteResult(context, target.path, null);
    }
    const apiPath = kvApiPath(target, "data");
    const body: JsonObject = { data, ...(cas !== undefined && cas >= 0 ? { options: { cas } } : {}) };
    const secret = await withErrorPrefix(`Error writing data to ${apiPath}`, () => writeSecret(api, apiPath, body));
    return printWriteResult(context, apiPath, secret);
  },
};

async function patchByReadWrite(context: CommandContext, apiPath: string, patch: JsonObject): Promise<Secret | null> {
  const api = await context.client();
  const current = await withErrorPrefix(`Error reading ${apiPath}`, () => readSecret(api, apiPath));
  const data = current?.data?.["data"];
  const metadata = current?.data?.["metadata"];
  if (!isJsonObject(data) || !isJsonObject(metadata)) throw new CommandError(`No value found at ${apiPath}`, exitApi);
  const merged: JsonObject = { ...data };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  const cas = context.flags.int("cas") ?? Number(metadata["version"]);
  return withErrorPrefix(`Error writing data to ${apiPath}`, () =>
    writeSecret(api, apiPath, { data: merged, options: { cas } }),
  );
}

const patchCommand: Command = {
  name: "kv patch",
  synopsis: "Change some keys of a secret (KV version 2)",
  usage: "kv patch [options] KEY [DATA]",
  help: `Writes a new version of KEY with the given keys changed and the rest kept. By
  default sends a JSON merge patch; -method=rw reads, merges and writes with check-and-set.

      $ coffer kv patch secret/foo bar=new
      $ coffer kv patch -remove-data=old secret/foo`,
  flags: [
    mountFlag,
    casFlag,
    { name: "method", kind: "string", usage: 'How to patch: "patch" (HTTP PATCH) or "rw" (read, then write).' },
    { name: "remove-data", kind: "strings", usage: "Key to remove from the secret; may repeat." },
  ],
  groups: { http: true, format: true, field: true },
  minArgs: 1,
  async run(context) {
    const api = await context.client();
    const target = await resolveKvTarget(context, api);
    requireV2(target, "Patch");
    const patch: JsonObject = await parseKeyValueArgs(context.args.slice(1), context.io);
    for (const key of context.flags.strings("remove-data")) patch[key] = null;
    if (Object.keys(patch).length === 0) throw new CommandError("Must supply data");
    const apiPath = kvApiPath(target, "data");
    const method = context.flags.string("method") ?? "patch";
    if (method !== "patch" && method !== "rw")
      throw new CommandError(`Unsupported method "${method}"; use "patch" or "rw"`);
    if (method === "rw") return printWriteResult(context, apiPath, await patchByReadWrite(context, apiPath, patch));
    const cas = context.flags.int("cas");
    const body: JsonObject = { data: patch, ...(cas !== undefined && cas >= 0 ? { options: { cas } } : {}) };
    const response = await withErrorPrefix(`Error writing data to ${apiPath}`, () =>
      api.request("PATCH", apiPath, { json: body, contentType: "application/merge-patch+json", acceptStatuses: [405] }),
    );
    // A server without PATCH support answers 405: fall back to read-modify-write as Vault does.
    if (response.status === 405)
      return printWriteResult(context, apiPath, await patchByReadWrite(context, apiPath, patch));
    const parsed = response.body.length > 0 ? (JSON.parse(response.body.toString("utf8")) as Secret) : null;
    return printWriteResult(context, apiPath, parsed);
  },
};

const versionsFlag = {
  name: "versions",
  kind: "strings",
  usage: "Versions to act on, comma-separated; may repeat.",
} as const;

const deleteCommand: Command = {
  name: "kv delete",
  synopsis: "Delete versions of a secret",
  usage: "kv delete [options] KEY",
  help: `Soft-deletes the latest version of KEY (or -versions), which undelete can bring back.
  On KV version 1 the secret is removed.

      $ coffer kv delete secret/foo
      $ coffer kv delete -versions=1,2 secret/foo`,
  flags: [mountFlag, versionsFlag],
  groups: { http: true },
  minArgs: 1,
  maxArgs: 1,
  async run(context) {
    const api = await context.client();
    const target = await resolveKvTarget(context, api);
    const versions = parseVersions(context.flags.strings("versions"));
    let apiPath = target.path;
    if (target.version === 2 && versions.length > 0) {
      apiPath = kvApiPath(target, "delete");
      await withErrorPrefix(`Error deleting ${apiPath}`, () => writeSecret(api, apiPath, { versions }));
    } else {
      if (target.version === 2) apiPath = kvApiPath(target, "data");
      await withErrorPrefix(`Error deleting ${apiPath}`, () => deleteSecret(api, apiPath));
    }
    context.ui.output(`Success! Data deleted (if it existed) at: ${apiPath}`);
    return exitOk;
  },
};

function versionedWrite(name: "undelete" | "destroy", synopsis: string, help: string): Command {
  return {
    name: `kv ${name}`,
    synopsis,
    usage: `kv ${name} [options] KEY`,
    help,
    flags: [mountFlag, versionsFlag],
    groups: { http: true },
    minArgs: 1,
    maxArgs: 1,
    async run(context) {
      const versions = parseVersions(context.flags.strings("versions"));
      if (versions.length === 0) throw new CommandError('No versions provided, use the "-versions" flag');
      const api = await context.client();
      const target = await resolveKvTarget(context, api);
      requireV2(target, name === "undelete" ? "Undelete" : "Destroy");
      const apiPath = kvApiPath(target, name);
      await withErrorPrefix(`Error writing data to ${apiPath}`, () => writeSecret(api, apiPath, { versions }));
      context.ui.output(`Success! Data written to: ${apiPath}`);
      return exitOk;
    },
  };
}

const listCommand: Command = {
  name: "kv list",
  synopsis: "List the keys under a KV path",
  usage: "kv list [options] PATH",
  help: `Lists the keys under PATH; keys ending in / are folders.

      $ coffer kv list secret/`,
  flags: [mountFlag],
  groups: { http: true, format: true },
  minArgs: 1,
  maxArgs: 1,
  async run(context) {
    const api = await context.client();
    const target = await resolveKvTarget(context, api);
    const apiPath = target.version === 2 ? kvApiPath(target, "metadata") : target.path;
    const secret = await withErrorPrefix(`Error listing ${apiPath}`, () => listSecret(api, apiPath));
    const keys = secret?.data?.["keys"];
    if (secret === null || !Array.isArray(keys)) throw new CommandError(`No value found at ${apiPath}`, exitApi);
    if (context.ui.format !== "table") context.ui.data(keys);
    else context.ui.list(keys.map(String));
    return exitOk;
  },
};

const rollbackCommand: Command = {
  name: "kv rollback",
  synopsis: "Write an older version of a secret as the newest",
  usage: "kv rollback [options] KEY",
  help: `Copies version -version of KEY into a new version, with check-and-set against
  the current version. The version must not be deleted or destroyed.

      $ coffer kv rollback -version=2 secret/foo`,
  flags: [mountFlag, { name: "version", kind: "int", usage: "The version to roll back to (required)." }],
  groups: { http: true, format: true, field: true },
  minArgs: 1,
  maxArgs: 1,
  async run(context) {
    const version = context.flags.int("version");
    if (version === undefined || version <= 0) throw new CommandError("Must specify a version to roll back to");
    const api = await context.client();
    const target = await resolveKvTarget(context, api);
    requireV2(target, "Rollback");
    const metadataPath = kvApiPath(target, "metadata");
    const metadata = await withErrorPrefix(`Error reading ${metadataPath}`, () => readSecret(api, metadataPath));
    const versions = metadata?.data?.["versions"];
    const chosen = isJsonObject(versions) ? versions[String(version)] : undefined;
    if (!isJsonObject(chosen)) throw new CommandError(`Version ${version} not found`, exitApi);
    if (chosen["destroyed"] === true)
      throw new CommandError(`Cannot roll back to a destroyed version (${version})`, exitApi);
    if (typeof chosen["deletion_time"] === "string" && chosen["deletion_time"] !== "") {
      throw new CommandError(`Cannot roll back to a deleted version (${version})`, exitApi);
    }
    const dataPath = kvApiPath(target, "data");
    const old = await withErrorPrefix(`Error reading ${dataPath}`, () =>
      readSecret(api, dataPath, { version: String(version) }),
    );
    const data = old?.data?.["data"];
    if (!isJsonObject(data)) throw new CommandError(`No data found at ${dataPath} version ${version}`, exitApi);
    const cas = Number(metadata?.data?.["current_version"] ?? 0);
    const secret = await withErrorPrefix(`Error writing data to ${dataPath}`, () =>
      writeSecret(api, dataPath, { data, options: { cas } }),
    );
    return printWriteResult(context, dataPath, secret);
  },
};

const enableVersioningCommand: Command = {
  name: "kv enable-versioning",
  synopsis: "Upgrade a KV version 1 mount to version 2",
  usage: "kv enable-versioning [options] PATH",
  help: "Turns on versioning for the KV mount at PATH (tunes options version=2).",
  groups: { http: true },
  minArgs: 1,
  maxArgs: 1,
  async run({ ui, args, client }) {
    const api = await client();
    const path = `${(args[0] as string).replace(/^\/+|\/+$/g, "")}/`;
    await withErrorPrefix("Error tuning secrets engine", () =>
      writeSecret(api, `sys/mounts/${path}tune`, { options: { version: "2" } }, { method: "POST" }),
    );
    ui.output(`Success! Tuned the secrets engine at: ${path}`);
    return exitOk;
  },
};

export const kvCommands: readonly Command[] = [
  getCommand,
  putCommand,
  patchCommand,
  deleteCommand,
  versionedWrite(
    "undelete",
    "Undelete versions of a secret",
    `Brings back soft-deleted versions of KEY.

      $ coffer kv undelete -versions=3 secret/foo`,
  ),
  versionedWrite(
    "destroy",
    "Permanently destroy versions of a secret",
    `Removes the data of the given versions of KEY for good; their metadata stays.

      $ coffer kv destroy -versions=1,2 secret/foo`,
  ),
  listCommand,
  rollbackCommand,
  enableVersioningCommand,
  ...kvMetadataCommands,
];
