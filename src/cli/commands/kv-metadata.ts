/** `coffer kv metadata get | put | patch | delete` (KV version 2). */
import { type Command, type CommandContext, CommandError, exitApi, exitOk, withErrorPrefix } from "../command.js";
import type { FlagSpec } from "../flags.js";
import { deleteSecret, isJsonObject, type JsonObject, readSecret, writeSecret } from "../secret.js";
import { kvApiPath, mountFlag, requireV2, resolveKvTarget } from "./kv-mount.js";
import { outputPath, outputTitledMap } from "./kv-output.js";
import { keyValueFlags } from "./secrets.js";

const metadataFlags: readonly FlagSpec[] = [
  mountFlag,
  { name: "max-versions", kind: "int", usage: "Versions to keep (0: the mount's setting)." },
  { name: "cas-required", kind: "bool", usage: "Require check-and-set on every write of this key." },
  { name: "delete-version-after", kind: "string", usage: 'Delete versions this long after writing ("0s": never).' },
  { name: "custom-metadata", kind: "strings", usage: "Custom metadata as key=value; may repeat." },
];

function metadataBody(context: CommandContext): JsonObject {
  const { flags } = context;
  const body: JsonObject = {};
  if (flags.has("max-versions")) body["max_versions"] = flags.int("max-versions");
  if (flags.has("cas-required")) body["cas_required"] = flags.bool("cas-required");
  if (flags.has("delete-version-after")) body["delete_version_after"] = flags.string("delete-version-after");
  if (flags.has("custom-metadata"))
    body["custom_metadata"] = keyValueFlags(flags.strings("custom-metadata"), "custom-metadata");
  return body;
}

async function metadataTarget(context: CommandContext, what: string) {
  const api = await context.client();
  const target = await resolveKvTarget(context, api);
  requireV2(target, what);
  return { api, apiPath: kvApiPath(target, "metadata") };
}

const getCommand: Command = {
  name: "kv metadata get",
  synopsis: "Read a secret's metadata and version list",
  usage: "kv metadata get [options] KEY",
  help: `Prints the metadata of KEY and of each of its versions.

      $ coffer kv metadata get secret/foo`,
  flags: [mountFlag],
  groups: { http: true, format: true },
  minArgs: 1,
  maxArgs: 1,
  async run(context) {
    const { api, apiPath } = await metadataTarget(context, "Metadata");
    const secret = await withErrorPrefix(`Error reading ${apiPath}`, () => readSecret(api, apiPath));
    if (secret === null) throw new CommandError(`No value found at ${apiPath}`, exitApi);
    const { ui } = context;
    if (ui.format !== "table") {
      ui.secret(secret);
      return exitOk;
    }
    const data: JsonObject = { ...(secret.data ?? {}) };
    const versions = isJsonObject(data["versions"]) ? data["versions"] : {};
    delete data["versions"];
    outputPath(ui, apiPath, "Metadata Path");
    outputTitledMap(ui, "Metadata", data);
    const numbers = Object.keys(versions)
      .map(Number)
      .filter(Number.isInteger)
      .sort((a, b) => a - b);
    for (const version of numbers) {
      const entry = versions[String(version)];
      ui.output("");
      outputTitledMap(ui, `Version ${version}`, isJsonObject(entry) ? entry : {});
    }
    return exitOk;
  },
};

const putCommand: Command = {
  name: "kv metadata put",
  synopsis: "Write a secret's metadata settings",
  usage: "kv metadata put [options] KEY",
  help: `Creates or replaces the metadata settings of KEY.

      $ coffer kv metadata put -max-versions=5 -custom-metadata=owner=ops secret/foo`,
  flags: metadataFlags,
  groups: { http: true },
  minArgs: 1,
  maxArgs: 1,
  async run(context) {
    const { api, apiPath } = await metadataTarget(context, "Metadata");
    await withErrorPrefix(`Error writing data to ${apiPath}`, () =>
      writeSecret(api, apiPath, metadataBody(context), { method: "POST" }),
    );
    context.ui.output(`Success! Data written to: ${apiPath}`);
    return exitOk;
  },
};

const patchCommand: Command = {
  name: "kv metadata patch",
  synopsis: "Change some of a secret's metadata settings",
  usage: "kv metadata patch [options] KEY",
  help: `Changes only the metadata settings given, with a JSON merge patch.

      $ coffer kv metadata patch -cas-required=true secret/foo`,
  flags: metadataFlags,
  groups: { http: true },
  minArgs: 1,
  maxArgs: 1,
  async run(context) {
    const { api, apiPath } = await metadataTarget(context, "Metadata patch");
    await withErrorPrefix(`Error patching ${apiPath}`, () =>
      api.request("PATCH", apiPath, { json: metadataBody(context), contentType: "application/merge-patch+json" }),
    );
    context.ui.output(`Success! Data written to: ${apiPath}`);
    return exitOk;
  },
};

const deleteCommand: Command = {
  name: "kv metadata delete",
  synopsis: "Delete a secret with all its versions",
  usage: "kv metadata delete [options] KEY",
  help: `Deletes KEY entirely: every version and the metadata.

      $ coffer kv metadata delete secret/foo`,
  flags: [mountFlag],
  groups: { http: true },
  minArgs: 1,
  maxArgs: 1,
  async run(context) {
    const { api, apiPath } = await metadataTarget(context, "Metadata delete");
    await withErrorPrefix(`Error deleting ${apiPath}`, () => deleteSecret(api, apiPath));
    context.ui.output(`Success! Data deleted (if it existed) at: ${apiPath}`);
    return exitOk;
  },
};

export const kvMetadataCommands: readonly Command[] = [getCommand, putCommand, patchCommand, deleteCommand];
