/** `config`: the mount-wide max_versions, cas_required and delete_version_after. */
import { definePath, type Path } from "../../../framework/index.js";
import { formatDuration, invalidRequest } from "../../../lib/index.js";
import type { KvV2Context } from "./context.js";
import { configKey, type KvConfig, putOp, readConfig } from "./store.js";

/** Lock name of the config record; cannot collide with a key (keys never start with a NUL). */
const configLock = "\u0000config";

const fields = {
  max_versions: { type: "int", description: "The number of versions to keep for each key. Defaults to 10." },
  cas_required: {
    type: "bool",
    description: "If true, every write to a key must carry the cas option.",
  },
  delete_version_after: {
    type: "signed-duration",
    description:
      "If set, the time after which a new version is deleted. A negative duration disables delete_version_after on every key; zero clears the setting.",
  },
} as const;

export function configPath(context: KvV2Context): Path {
  return definePath({
    pattern: "config$",
    fields,
    display: { operationPrefix: "kv-v2" },
    operations: {
      read: {
        summary: "Read the backend level settings.",
        operationSuffix: "configuration",
        handler: async (request) => {
          const config = await readConfig(request.storage);
          return {
            data: {
              cas_required: config.casRequired,
              delete_version_after: formatDuration(config.deleteVersionAfterSeconds),
              max_versions: config.maxVersions,
            },
          };
        },
      },
      update: {
        summary: "Configure backend level settings that are applied to every key in the key-value store.",
        operationVerb: "configure",
        handler: async (request, data) => {
          const maxVersions = data.getOk("max_versions");
          const casRequired = data.getOk("cas_required");
          const deleteAfter = data.getOk("delete_version_after");
          if (maxVersions === undefined && casRequired === undefined && deleteAfter === undefined) return undefined;
          if (maxVersions !== undefined && maxVersions < 0) throw invalidRequest("max_versions cannot be negative");
          await context.locks.runExclusive(configLock, async () => {
            const current = await readConfig(request.storage);
            const updated: KvConfig = {
              maxVersions: maxVersions ?? current.maxVersions,
              casRequired: casRequired ?? current.casRequired,
              // Any negative value means "disabled", stored as Vault stores it: -1s.
              deleteVersionAfterSeconds:
                deleteAfter === undefined ? current.deleteVersionAfterSeconds : deleteAfter < 0 ? -1 : deleteAfter,
            };
            await request.storage.transaction([putOp(configKey, updated)]);
          });
          return undefined;
        },
      },
    },
    helpSynopsis: "Configures settings for the KV store",
    helpDescription: `
This path configures backend level settings that are applied to every key in
the key-value store: max_versions (versions kept per key, 10 when 0),
cas_required (every write must use check-and-set) and delete_version_after
(how long a new version lives; negative disables it for every key, zero clears
the setting).
`,
  });
}
