/**
 * `delete/<key>`, `undelete/<key>`, `destroy/<key>`: act on listed versions.
 * Delete and undelete only move deletion times (the data stays); destroy
 * removes the data for good and marks the versions destroyed.
 */
import { definePath, type FieldData, matchAllRegex, type Path } from "../../../framework/index.js";
import { invalidRequest } from "../../../lib/index.js";
import type { Request } from "../../../logical/index.js";
import { type KvV2Context, nowMs } from "./context.js";
import { isDeleted, knownVersions, scheduledDeletionMs } from "./model.js";
import { commit, deleteOp, type KeyMetadata, putMetadataOp, readConfig, readMetadata, versionKey } from "./store.js";

function versionFields(description: string) {
  return {
    path: { type: "string", description: "Location of the secret." },
    versions: { type: "comma-int-slice", description },
  } as const;
}

type VersionFields = ReturnType<typeof versionFields>;

/** Runs `change` on the key's metadata under its lock; a missing key is a no-op (204), as in Vault. */
async function withMetadata(
  context: KvV2Context,
  request: Request,
  key: string,
  change: (metadata: KeyMetadata) => Promise<void>,
): Promise<undefined> {
  await context.locks.runExclusive(key, async () => {
    const metadata = await readMetadata(request.storage, key);
    if (metadata !== undefined) await change(metadata);
  });
  return undefined;
}

function requestedVersions(data: FieldData<VersionFields>, missingMessage: string): number[] {
  const versions = data.get("versions");
  if (versions.length === 0) throw invalidRequest(missingMessage);
  return versions;
}

export function deleteVersionsPath(context: KvV2Context): Path {
  return definePath({
    pattern: `delete/${matchAllRegex("path")}`,
    fields: versionFields(
      "The versions to be archived. The versioned data will not be deleted, but it will no longer be returned in normal get requests.",
    ),
    display: { operationPrefix: "kv-v2", operationVerb: "delete", operationSuffix: "versions" },
    operations: {
      update: {
        summary: "Mark versions deleted (soft delete).",
        handler: async (request, data) => {
          const versions = requestedVersions(data, "No version number provided");
          return withMetadata(context, request, data.get("path"), async (metadata) => {
            const now = nowMs(context);
            for (const version of knownVersions(metadata, versions)) {
              const entry = metadata.versions[String(version)];
              if (entry === undefined || entry.destroyed || isDeleted(entry, now)) continue;
              entry.deletionMs = now;
            }
            await request.storage.transaction([putMetadataOp(metadata)]);
          });
        },
      },
    },
    helpSynopsis: "Marks one or more versions as deleted in the KV store.",
    helpDescription:
      "Marks the listed versions deleted: their data is kept but no longer returned by reads. This can be undone with undelete.",
  });
}

export function undeleteVersionsPath(context: KvV2Context): Path {
  return definePath({
    pattern: `undelete/${matchAllRegex("path")}`,
    fields: versionFields(
      "The versions to unarchive. The versions will be restored and their data will be returned on normal get requests.",
    ),
    display: { operationPrefix: "kv-v2", operationVerb: "undelete", operationSuffix: "versions" },
    operations: {
      update: {
        summary: "Restore soft-deleted versions.",
        handler: async (request, data) => {
          const versions = requestedVersions(data, "No version number provided");
          const config = await readConfig(request.storage);
          return withMetadata(context, request, data.get("path"), async (metadata) => {
            for (const version of knownVersions(metadata, versions)) {
              const entry = metadata.versions[String(version)];
              if (entry === undefined || entry.destroyed) continue;
              // delete_version_after starts again from the undelete.
              entry.deletionMs = scheduledDeletionMs(nowMs(context), config, metadata);
            }
            await request.storage.transaction([putMetadataOp(metadata)]);
          });
        },
      },
    },
    helpSynopsis: "Undeletes one or more versions from the KV store.",
    helpDescription:
      "Restores the listed versions so reads return their data again. Destroyed versions stay destroyed.",
  });
}

export function destroyVersionsPath(context: KvV2Context): Path {
  return definePath({
    pattern: `destroy/${matchAllRegex("path")}`,
    fields: versionFields("The versions to destroy. Their data will be permanently deleted."),
    display: { operationPrefix: "kv-v2", operationVerb: "destroy", operationSuffix: "versions" },
    operations: {
      update: {
        summary: "Permanently remove the data of versions.",
        handler: async (request, data) => {
          const versions = requestedVersions(data, "no version number provided");
          const key = data.get("path");
          return withMetadata(context, request, key, async (metadata) => {
            const destroyed = knownVersions(metadata, versions);
            for (const version of destroyed) {
              const entry = metadata.versions[String(version)];
              if (entry !== undefined) entry.destroyed = true;
            }
            // The marks and the removal of the data land together (in one transaction when it fits).
            const removals = destroyed.map((version) => deleteOp(versionKey(key, version)));
            await commit(request.storage, [putMetadataOp(metadata)], removals);
          });
        },
      },
    },
    helpSynopsis: "Permanently removes one or more versions in the KV store",
    helpDescription: "Permanently removes the data of the listed versions; their metadata remains, marked destroyed.",
  });
}
