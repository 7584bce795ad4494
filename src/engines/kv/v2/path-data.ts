/**
 * `data/<key>`: read a version, write a new version (with check-and-set),
 * patch the current version (JSON merge patch), soft-delete the latest.
 */
import {
  definePath,
  type FieldData,
  matchAllNoTrailingSlashRegex,
  mergePatch,
  type Path,
} from "../../../framework/index.js";
import { invalidRequest, notFound } from "../../../lib/index.js";
import type { Request, Response } from "../../../logical/index.js";
import { type KvV2Context, nowMs } from "./context.js";
import { addVersion, checkAndSet, isDeleted, isGone, scheduledDeletionMs, versionView } from "./model.js";
import {
  commit,
  deleteOp,
  type KeyMetadata,
  type KvConfig,
  newMetadata,
  putMetadataOp,
  putOp,
  readConfig,
  readMetadata,
  readVersionData,
  versionKey,
} from "./store.js";

const fields = {
  path: { type: "string", description: "Location of the secret." },
  version: {
    type: "int",
    description: "If provided during a read, the value at the version number will be returned.",
    query: true,
  },
  options: {
    type: "map",
    description:
      'Options for writing a KV entry. Set "cas" to use check-and-set: with 0 the write is allowed only if the key does not exist; otherwise only if the current version matches.',
  },
  data: { type: "map", description: "The contents of the data map will be stored and returned on read." },
} as const;

type DataFields = typeof fields;

const writeResponse = {
  200: {
    description: "OK",
    fields: {
      version: { type: "int64", description: "The new version.", required: true },
      created_time: { type: "time", description: "", required: true },
      deletion_time: { type: "string", description: "", required: true },
      destroyed: { type: "bool", description: "", required: true },
      custom_metadata: { type: "map", description: "", required: true },
    },
  },
} as const;

export function dataPath(context: KvV2Context): Path {
  return definePath({
    pattern: `data/${matchAllNoTrailingSlashRegex("path")}`,
    fields,
    display: { operationPrefix: "kv-v2" },
    existenceCheck: async (request, data) => (await readMetadata(request.storage, data.get("path"))) !== undefined,
    operations: {
      read: {
        summary: "Read a version of a secret (the current one by default).",
        handler: (request, data) => readData(context, request, data),
      },
      update: {
        summary: "Write a new version of a secret.",
        responses: writeResponse,
        handler: (request, data) => writeData(context, request, data),
      },
      patch: {
        summary: "Patch the current version with a JSON merge patch.",
        responses: writeResponse,
        handler: (request, data) => patchData(context, request, data),
      },
      delete: {
        summary: "Soft-delete the latest version.",
        handler: (request, data) => deleteLatest(context, request, data),
      },
    },
    helpSynopsis: "Write, Patch, Read, and Delete data in the Key-Value Store.",
    helpDescription: `
Writes create a new version of the key from the "data" object (with "options"
such as "cas" for check-and-set); earlier versions are kept up to max_versions.
A patch applies a JSON merge patch to the current version and stores the result
as a new version; the current version must be neither deleted nor destroyed.
Reads return the current version, or the one named by "version". Deletes are
soft: the latest version is marked deleted and can be undeleted.
`,
  });
}

async function readData(
  context: KvV2Context,
  request: Request,
  data: FieldData<DataFields>,
): Promise<Response | undefined> {
  const key = data.get("path");
  const metadata = await readMetadata(request.storage, key);
  if (metadata === undefined) return undefined;
  const requested = data.get("version");
  const version = requested > 0 ? requested : metadata.currentVersion;
  const entry = metadata.versions[String(version)];
  if (entry === undefined) return undefined;
  const body = { data: null as Record<string, unknown> | null, metadata: versionView(metadata, version) };
  // Deleted or destroyed: a 404 that still tells the caller which version and why.
  if (isGone(entry, nowMs(context))) return { statusCode: 404, data: body };
  body.data = await readVersionData(request.storage, key, version);
  return { data: body };
}

async function writeData(context: KvV2Context, request: Request, data: FieldData<DataFields>): Promise<Response> {
  const key = data.get("path");
  const secret = data.getOk("data");
  if (secret === undefined) throw invalidRequest("no data provided");
  return context.locks.runExclusive(key, async () => {
    const config = await readConfig(request.storage);
    const metadata = (await readMetadata(request.storage, key)) ?? newMetadata(key, nowMs(context));
    checkAndSet(data.getOk("options"), config, metadata);
    return storeVersion(context, request, metadata, config, secret);
  });
}

async function patchData(context: KvV2Context, request: Request, data: FieldData<DataFields>): Promise<Response> {
  const key = data.get("path");
  const patch = data.getOk("data");
  if (patch === undefined) throw invalidRequest("no data provided");
  return context.locks.runExclusive(key, async () => {
    const metadata = await readMetadata(request.storage, key);
    if (metadata === undefined) throw notFound();
    const config = await readConfig(request.storage);
    checkAndSet(data.getOk("options"), config, metadata);
    const current = metadata.versions[String(metadata.currentVersion)];
    if (current === undefined) throw notFound();
    if (isGone(current, nowMs(context)))
      return { statusCode: 404, data: versionView(metadata, metadata.currentVersion) };
    const existing = await readVersionData(request.storage, key, metadata.currentVersion);
    // Nulls inside the patch delete keys (RFC 7396); the result of an object patch is an object.
    const patched = mergePatch(existing, patch) as Record<string, unknown>;
    return storeVersion(context, request, metadata, config, patched);
  });
}

/** Writes version current+1 and the metadata in one transaction; then drops what max_versions trimmed. */
async function storeVersion(
  context: KvV2Context,
  request: Request,
  metadata: KeyMetadata,
  config: KvConfig,
  secret: Record<string, unknown>,
): Promise<Response> {
  const createdMs = nowMs(context);
  const deletionMs = scheduledDeletionMs(createdMs, config, metadata);
  const { version, dropped } = addVersion(metadata, { createdMs, deletionMs, destroyed: false }, config);
  await commit(
    request.storage,
    [putOp(versionKey(metadata.key, version), { data: secret, createdMs }), putMetadataOp(metadata)],
    dropped.map((old) => deleteOp(versionKey(metadata.key, old))),
  );
  return { data: versionView(metadata, version) };
}

async function deleteLatest(context: KvV2Context, request: Request, data: FieldData<DataFields>): Promise<undefined> {
  const key = data.get("path");
  await context.locks.runExclusive(key, async () => {
    const metadata = await readMetadata(request.storage, key);
    const latest = metadata?.versions[String(metadata.currentVersion)];
    if (metadata === undefined || latest === undefined || latest.destroyed) return;
    const now = nowMs(context);
    if (isDeleted(latest, now)) return;
    latest.deletionMs = now;
    await request.storage.transaction([putMetadataOp(metadata)]);
  });
  return undefined;
}
