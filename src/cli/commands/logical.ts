/** `coffer read | write | delete | list | path-help`: generic access to any API path. */
import { type Command, type CommandContext, CommandError, exitApi, exitOk, withErrorPrefix } from "../command.js";
import { fieldOf } from "../format/output.js";
import { jsonBody } from "../http-client.js";
import { parseKeyValueArgs } from "../kv-args.js";
import { sanitizePath } from "../paths.js";
import { deleteSecret, isJsonObject, listSecret, readSecret, type Secret, writeSecret } from "../secret.js";
import { isVersionedPathAnswer, unwrapVersionedSecret, versionedPath } from "./kv-v2-paths.js";

/** Prints a secret, or one field of it with `-field`; exit 1 when the field is missing. */
export function printSecret(context: CommandContext, secret: Secret): number {
  const field = context.flags.string("field");
  if (field !== undefined) {
    const value = fieldOf(secret, field);
    if (value === undefined) throw new CommandError(`Field "${field}" not present in secret`);
    context.ui.rawField(value);
    return exitOk;
  }
  context.ui.secret(secret);
  return exitOk;
}

function queryOf(data: Record<string, unknown>): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(data))
    query[key] = Array.isArray(value) ? value.map(String) : [String(value)];
  return query;
}

const readCommand: Command = {
  name: "read",
  synopsis: "Read data from a path",
  usage: "read [options] PATH [KEY=VALUE ...]",
  help: `Reads data at PATH. KEY=VALUE pairs are sent as query parameters.

      $ coffer read secret/foo
      $ coffer read -field=password secret/db`,
  groups: { http: true, format: true, field: true },
  minArgs: 1,
  async run(context) {
    const api = await context.client();
    const path = sanitizePath(context.args[0] as string);
    const data = await parseKeyValueArgs(context.args.slice(1), context.io);
    const query = Object.keys(data).length > 0 ? queryOf(data) : undefined;
    const secret = await withErrorPrefix(`Error reading ${path}`, async () => {
      const answer = await readSecret(api, path, query);
      if (!isVersionedPathAnswer(answer)) return answer;
      const versioned = await versionedPath(api, path, "data");
      if (versioned === undefined) return answer;
      const inner = await readSecret(api, versioned, query);
      // A deleted or destroyed version answers 404 with metadata only: nothing to show.
      const unwrapped = inner === null ? null : unwrapVersionedSecret(inner);
      return unwrapped?.data ? unwrapped : null;
    });
    if (secret === null) throw new CommandError(`No value found at ${path}`, exitApi);
    return printSecret(context, secret);
  },
};

const writeCommand: Command = {
  name: "write",
  synopsis: "Write data to a path",
  usage: "write [options] PATH [DATA K=V...]",
  help: `Writes data to PATH. Values are KEY=VALUE pairs; KEY=@file reads a file,
  KEY=- reads stdin, and a lone - reads a JSON object from stdin.

      $ coffer write secret/foo password=hunter2
      $ echo '{"a": 1}' | coffer write secret/foo -`,
  flags: [{ name: "force", kind: "bool", aliases: ["f"], usage: "Allow a write with no data." }],
  groups: { http: true, format: true, field: true },
  minArgs: 1,
  async run(context) {
    const api = await context.client();
    const path = sanitizePath(context.args[0] as string);
    const data = await parseKeyValueArgs(context.args.slice(1), context.io);
    if (Object.keys(data).length === 0 && !context.flags.bool("force")) {
      throw new CommandError("Must supply data or use -force");
    }
    const secret = await withErrorPrefix(`Error writing data to ${path}`, async () => {
      try {
        return await writeSecret(api, path, data);
      } catch (error) {
        const versioned = isVersionedPathAnswer(error) ? await versionedPath(api, path, "data") : undefined;
        if (versioned === undefined) throw error;
        await writeSecret(api, versioned, { data });
        return null;
      }
    });
    if (
      secret === null ||
      (!isJsonObject(secret.data) && !secret.auth && !secret.wrap_info && !secret.warnings?.length)
    ) {
      if (context.ui.format === "table") context.ui.output(`Success! Data written to: ${path}`);
      return exitOk;
    }
    return printSecret(context, secret);
  },
};

const deleteCommand: Command = {
  name: "delete",
  synopsis: "Delete data at a path",
  usage: "delete [options] PATH [KEY=VALUE ...]",
  help: `Deletes data at PATH. KEY=VALUE pairs are sent as query parameters.

      $ coffer delete secret/foo`,
  groups: { http: true },
  minArgs: 1,
  async run(context) {
    const api = await context.client();
    const path = sanitizePath(context.args[0] as string);
    const data = await parseKeyValueArgs(context.args.slice(1), context.io);
    const query = Object.keys(data).length > 0 ? queryOf(data) : undefined;
    await withErrorPrefix(`Error deleting ${path}`, async () => {
      try {
        await deleteSecret(api, path, query);
      } catch (error) {
        const versioned = isVersionedPathAnswer(error) ? await versionedPath(api, path, "data") : undefined;
        if (versioned === undefined) throw error;
        await deleteSecret(api, versioned, query);
      }
    });
    context.ui.output(`Success! Data deleted (if it existed) at: ${path}`);
    return exitOk;
  },
};

const listCommand: Command = {
  name: "list",
  synopsis: "List the keys under a path",
  usage: "list [options] PATH",
  help: `Lists the keys under PATH; keys ending in / are folders.

      $ coffer list secret/`,
  groups: { http: true, format: true },
  minArgs: 1,
  maxArgs: 1,
  async run({ ui, args, client }) {
    const api = await client();
    const path = sanitizePath(args[0] as string);
    const secret = await withErrorPrefix(`Error listing ${path}`, async () => {
      const answer = await listSecret(api, path);
      if (!isVersionedPathAnswer(answer)) return answer;
      const versioned = await versionedPath(api, path, "metadata");
      return versioned === undefined ? answer : listSecret(api, versioned);
    });
    const keys = secret?.data?.["keys"];
    if (secret === null || !Array.isArray(keys)) throw new CommandError(`No value found at ${path}`, exitApi);
    if (ui.format !== "table") ui.data(keys);
    else {
      ui.warnings(secret);
      ui.list(keys.map(String));
    }
    return exitOk;
  },
};

const pathHelpCommand: Command = {
  name: "path-help",
  synopsis: "Print help for an API path",
  usage: "path-help [options] PATH",
  help: `Prints the help the server has for PATH: what it does and the fields it takes.

      $ coffer path-help secret/`,
  groups: { http: true, format: true },
  minArgs: 1,
  maxArgs: 1,
  async run({ ui, args, client }) {
    const api = await client();
    const path = sanitizePath(args[0] as string);
    const body = await withErrorPrefix("Error retrieving help", async () =>
      jsonBody(await api.request("GET", path, { query: { help: "1" } })),
    );
    if (ui.format !== "table") ui.data(body ?? null);
    else ui.output(isJsonObject(body) ? String(body["help"] ?? "") : "");
    return exitOk;
  },
};

export const logicalCommands: readonly Command[] = [
  readCommand,
  writeCommand,
  deleteCommand,
  listCommand,
  pathHelpCommand,
];
