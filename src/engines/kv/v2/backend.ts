/** KV version 2: versioned secrets with check-and-set, soft delete, destroy and metadata. */
import { definePath, FrameworkBackend, type Path } from "../../../framework/index.js";
import { KeyedMutex } from "../../../lib/index.js";
import type { Request, Response, SystemView } from "../../../logical/index.js";
import type { KvV2Context } from "./context.js";
import { configPath } from "./path-config.js";
import { dataPath } from "./path-data.js";
import { metadataPath } from "./path-metadata.js";
import { subkeysPath } from "./path-subkeys.js";
import { deleteVersionsPath, destroyVersionsPath, undeleteVersionsPath } from "./path-versions.js";

export interface KvV2Options {
  readonly system: SystemView;
}

export function kvV2Backend(options: KvV2Options): FrameworkBackend {
  const context: KvV2Context = { system: options.system, locks: new KeyedMutex() };
  return new FrameworkBackend({
    type: "kv",
    help: kvV2Help,
    paths: [
      configPath(context),
      dataPath(context),
      metadataPath(context),
      destroyVersionsPath(context),
      subkeysPath(context),
      deleteVersionsPath(context),
      undeleteVersionsPath(context),
      // Last: anything the paths above did not take.
      invalidPath(),
    ],
  });
}

const rootsOfV2 = new Set(["data", "metadata", "delete", "undelete", "destroy"]);

const subcommands: Record<string, string> = {
  create: "put",
  update: "put",
  patch: "patch",
  read: "get",
  list: "list",
  delete: "delete",
};

/** A v1-style request on a v2 mount: 404 with a warning pointing at the right API (Vault's text). */
async function explainInvalidPath(request: Request): Promise<Response> {
  if (rootsOfV2.has(request.path)) {
    return { statusCode: 404, warnings: ["Non-listing operations on the root of a K/V v2 mount are not supported."] };
  }
  const subcommand = subcommands[request.operation] ?? request.operation;
  return {
    statusCode: 404,
    warnings: [
      `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${subcommand}' for this operation.`,
    ],
  };
}

function invalidPath(): Path {
  const explain = { handler: explainInvalidPath, unpublished: true };
  return definePath({
    pattern: ".*",
    takesArbitraryInput: true,
    operations: { read: explain, list: explain, update: explain, patch: explain, delete: explain },
    helpSynopsis: "Not a path of a versioned K/V secrets engine.",
    helpDescription: `${kvV2Help}\nUse config, data/<path>, metadata/<path>, delete/<path>, undelete/<path>, destroy/<path> or subkeys/<path>.`,
  });
}

const kvV2Help = `
This backend provides a versioned key-value store. Secrets are encrypted by
the barrier before they reach storage. Each key keeps a configured number of
versions, and versions can be read, deleted, undeleted and destroyed by their
version numbers.
`;
