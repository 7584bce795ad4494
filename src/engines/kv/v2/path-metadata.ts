/**
 * `metadata/<key>`: a key's settings and version history. LIST walks keys
 * like folders, read shows every kept version, write and patch change the
 * per-key settings and custom_metadata, delete removes the key with every
 * version.
 */
import {
  definePath,
  type FieldData,
  isPlainObject,
  matchAllRegex,
  mergePatch,
  type Path,
} from "../../../framework/index.js";
import { formatDuration, invalidRequest, notFound } from "../../../lib/index.js";
import { listResponse, type Request, type Response } from "../../../logical/index.js";
import { checkKeyName } from "../key-name.js";
import { type KvV2Context, nowMs } from "./context.js";
import { parseCustomMetadata, validateCustomMetadata } from "./custom-metadata.js";
import { formatTime } from "./model.js";
import {
  commit,
  deleteOp,
  type KeyMetadata,
  metadataKey,
  newMetadata,
  putMetadataOp,
  readConfig,
  readMetadata,
  versionFolder,
} from "./store.js";

const fields = {
  path: { type: "string", description: "Location of the secret." },
  cas_required: {
    type: "bool",
    description:
      "If true the key will require the cas parameter to be set on all write requests. If false, the backend's configuration will be used.",
  },
  max_versions: {
    type: "int",
    description: "The number of versions to keep. If not set, the backend's configured max version is used.",
  },
  delete_version_after: {
    type: "duration",
    description:
      "The length of time before a version is deleted. If not set, the backend's configured delete_version_after is used. A zero duration clears the current setting; a negative one is an error.",
  },
  custom_metadata: {
    type: "map",
    description: "User-provided key-value pairs that describe arbitrary, version-agnostic information about a secret.",
  },
} as const;

type MetadataFields = typeof fields;

const casMandatedWarning =
  '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';

export function metadataPath(context: KvV2Context): Path {
  return definePath({
    pattern: `metadata/${matchAllRegex("path")}`,
    fields,
    display: { operationPrefix: "kv-v2", operationSuffix: "metadata" },
    existenceCheck: async (request, data) => (await readMetadata(request.storage, data.get("path"))) !== undefined,
    operations: {
      list: { summary: "List the keys and folders below a folder.", handler: listMetadata },
      read: { summary: "Read a key's settings and version history.", handler: readKeyMetadata },
      update: {
        summary: "Change a key's settings; creates the key's metadata if missing.",
        handler: (request, data) => writeMetadata(context, request, data),
      },
      patch: {
        summary: "Patch a key's settings (custom_metadata keys set to null are removed).",
        handler: (request, data) => patchMetadata(context, request, data),
      },
      delete: {
        summary: "Delete the key, its metadata and every version.",
        handler: (request, data) => deleteKey(context, request, data),
      },
    },
    helpSynopsis: "Allows interaction with key metadata and settings in the KV store.",
    helpDescription: `
This endpoint reads a key's metadata (every kept version with its creation and
deletion times), writes the key's settings (max_versions, cas_required,
delete_version_after, custom_metadata), and permanently deletes a key and all
of its versions.
`,
  });
}

async function listMetadata(request: Request, data: FieldData<MetadataFields>): Promise<Response> {
  const path = data.get("path");
  const folder = path === "" || path.endsWith("/") ? path : `${path}/`;
  return listResponse(await request.storage.list(metadataKey(folder)));
}

async function readKeyMetadata(request: Request, data: FieldData<MetadataFields>): Promise<Response | undefined> {
  const metadata = await readMetadata(request.storage, data.get("path"));
  if (metadata === undefined) return undefined;
  const versions: Record<string, unknown> = {};
  for (const [number, entry] of Object.entries(metadata.versions)) {
    versions[number] = {
      created_time: formatTime(entry.createdMs),
      deletion_time: formatTime(entry.deletionMs),
      destroyed: entry.destroyed,
    };
  }
  return {
    data: {
      cas_required: metadata.casRequired,
      created_time: formatTime(metadata.createdMs),
      current_version: metadata.currentVersion,
      custom_metadata: metadata.customMetadata,
      delete_version_after: formatDuration(metadata.deleteVersionAfterSeconds),
      max_versions: metadata.maxVersions,
      oldest_version: metadata.oldestVersion,
      updated_time: formatTime(metadata.updatedMs),
      versions,
    },
  };
}

async function warningFor(request: Request, casRequired: boolean | undefined): Promise<Response | undefined> {
  if (casRequired !== false) return undefined;
  const config = await readConfig(request.storage);
  return config.casRequired ? { warnings: [casMandatedWarning] } : undefined;
}

async function writeMetadata(
  context: KvV2Context,
  request: Request,
  data: FieldData<MetadataFields>,
): Promise<Response | undefined> {
  const key = data.get("path");
  checkKeyName(key);
  const maxVersions = data.getOk("max_versions");
  const casRequired = data.getOk("cas_required");
  const deleteAfter = data.getOk("delete_version_after");
  const customRaw = data.getOk("custom_metadata");
  if (maxVersions === undefined && casRequired === undefined && deleteAfter === undefined && customRaw === undefined) {
    return undefined;
  }
  if (maxVersions !== undefined && maxVersions < 0) throw invalidRequest("max_versions cannot be negative");
  const custom = customRaw === undefined ? undefined : parseCustomMetadata(customRaw, false);
  if (custom !== undefined) validateCustomMetadata(custom);
  const response = await warningFor(request, casRequired);
  await context.locks.runExclusive(key, async () => {
    const metadata = (await readMetadata(request.storage, key)) ?? newMetadata(key, nowMs(context));
    if (maxVersions !== undefined) metadata.maxVersions = maxVersions;
    if (casRequired !== undefined) metadata.casRequired = casRequired;
    if (deleteAfter !== undefined) metadata.deleteVersionAfterSeconds = deleteAfter;
    if (custom !== undefined) metadata.customMetadata = emptyAsNull(custom);
    await request.storage.transaction([putMetadataOp(metadata)]);
  });
  return response;
}

async function patchMetadata(
  context: KvV2Context,
  request: Request,
  data: FieldData<MetadataFields>,
): Promise<Response | undefined> {
  const key = data.get("path");
  checkKeyName(key);
  const customPatch = data.getOk("custom_metadata");
  if (customPatch !== undefined) validateCustomMetadata(parseCustomMetadata(customPatch, true));
  const maxVersions = data.getOk("max_versions");
  if (maxVersions !== undefined && maxVersions < 0) throw invalidRequest("max_versions cannot be negative");
  return context.locks.runExclusive(key, async () => {
    const metadata = await readMetadata(request.storage, key);
    if (metadata === undefined) throw notFound();
    const response = await warningFor(request, data.getOk("cas_required"));
    applyPatch(metadata, request.data, data);
    await request.storage.transaction([putMetadataOp(metadata)]);
    return response;
  });
}

/**
 * Merge-patch semantics per field: absent keeps, null resets to the default,
 * a value replaces; custom_metadata merges key by key (null removes a key).
 */
function applyPatch(metadata: KeyMetadata, body: Record<string, unknown>, data: FieldData<MetadataFields>): void {
  const isNull = (name: string) => Object.hasOwn(body, name) && body[name] === null;
  if (isNull("max_versions")) metadata.maxVersions = 0;
  metadata.maxVersions = data.getOk("max_versions") ?? metadata.maxVersions;
  if (isNull("cas_required")) metadata.casRequired = false;
  metadata.casRequired = data.getOk("cas_required") ?? metadata.casRequired;
  if (isNull("delete_version_after")) metadata.deleteVersionAfterSeconds = 0;
  metadata.deleteVersionAfterSeconds = data.getOk("delete_version_after") ?? metadata.deleteVersionAfterSeconds;
  if (isNull("custom_metadata")) metadata.customMetadata = null;
  const customPatch = data.getOk("custom_metadata");
  if (customPatch !== undefined) {
    const merged = mergePatch(metadata.customMetadata ?? {}, customPatch);
    const pairs = isPlainObject(merged) ? parseCustomMetadata(merged, true) : {};
    // The merged result must respect the limits too (Vault checks only the patch).
    validateCustomMetadata(pairs);
    metadata.customMetadata = emptyAsNull(pairs);
  }
}

/** Vault stores no empty map: custom_metadata reads back as null. */
function emptyAsNull(pairs: Record<string, string>): Record<string, string> | null {
  return Object.keys(pairs).length === 0 ? null : pairs;
}

async function deleteKey(context: KvV2Context, request: Request, data: FieldData<MetadataFields>): Promise<undefined> {
  const key = data.get("path");
  await context.locks.runExclusive(key, async () => {
    const metadata = await readMetadata(request.storage, key);
    if (metadata === undefined) return;
    // Every stored version, including data a crashed trim left behind.
    const folder = versionFolder(key);
    const versions = (await request.storage.list(folder)).map((name) => deleteOp(`${folder}${name}`));
    await commit(request.storage, [deleteOp(metadataKey(key))], versions);
  });
  return undefined;
}
