/**
 * Where KV v2 keeps its records, in the mount's storage view (values are
 * JSON, encrypted by the barrier below the view):
 *
 *   config                          -> KvConfig (the mount-wide settings)
 *   metadata/<key>                  -> KeyMetadata (one per secret; <key> keeps
 *                                      its `/` structure so LIST works)
 *   versions/<sha256(key)>/<n>      -> VersionRecord (the data of version n)
 *
 * Version data is addressed by a hash of the key so that every version of a
 * key lives in one flat folder, whatever `/` the key contains. A write puts
 * the new version and the updated metadata in one transaction. Key names are
 * visible as storage paths (as in KV v1); Vault v2 additionally obfuscates
 * them, Coffer does not.
 */
import { createHash } from "node:crypto";
import { internalError, limits } from "../../../lib/index.js";
import { encodeJson, getJson, type Storage, type StorageOp } from "../../../logical/index.js";

export interface KvConfig {
  /** 0 means the default (10). */
  readonly maxVersions: number;
  readonly casRequired: boolean;
  /** 0 = not set, -1 = disabled for every key, else seconds. */
  readonly deleteVersionAfterSeconds: number;
}

export interface VersionMetadata {
  readonly createdMs: number;
  /** When the version counts as deleted; null when never deleted. May lie in the future. */
  deletionMs: number | null;
  destroyed: boolean;
}

export interface KeyMetadata {
  readonly key: string;
  /** By version number (as a decimal string, the JSON object key). */
  versions: Record<string, VersionMetadata>;
  currentVersion: number;
  /** 0 until the first trim (Vault's quirk), then the lowest version kept. */
  oldestVersion: number;
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfterSeconds: number;
  customMetadata: Record<string, string> | null;
  createdMs: number;
  updatedMs: number;
}

export interface VersionRecord {
  readonly data: Record<string, unknown>;
  readonly createdMs: number;
}

export const configKey = "config";
export const defaultConfig: KvConfig = { maxVersions: 0, casRequired: false, deleteVersionAfterSeconds: 0 };

export function metadataKey(key: string): string {
  return `metadata/${key}`;
}

export function versionFolder(key: string): string {
  return `versions/${createHash("sha256").update(key, "utf8").digest("hex")}/`;
}

export function versionKey(key: string, version: number): string {
  return `${versionFolder(key)}${version}`;
}

export async function readConfig(storage: Storage): Promise<KvConfig> {
  return (await getJson<KvConfig>(storage, configKey)) ?? defaultConfig;
}

export async function readMetadata(storage: Storage, key: string): Promise<KeyMetadata | undefined> {
  return getJson<KeyMetadata>(storage, metadataKey(key));
}

export function newMetadata(key: string, nowMs: number): KeyMetadata {
  return {
    key,
    versions: {},
    currentVersion: 0,
    oldestVersion: 0,
    maxVersions: 0,
    casRequired: false,
    deleteVersionAfterSeconds: 0,
    customMetadata: null,
    createdMs: nowMs,
    updatedMs: nowMs,
  };
}

export function putOp(key: string, value: unknown): StorageOp {
  return { type: "put", key, value: encodeJson(value) };
}

export function deleteOp(key: string): StorageOp {
  return { type: "delete", key };
}

export function putMetadataOp(metadata: KeyMetadata): StorageOp {
  return putOp(metadataKey(metadata.key), metadata);
}

/** The data of a version the metadata says is live; its absence is corruption, a 500. */
export async function readVersionData(
  storage: Storage,
  key: string,
  version: number,
): Promise<Record<string, unknown>> {
  const record = await getJson<VersionRecord>(storage, versionKey(key, version));
  if (record === undefined) throw internalError("could not find version data");
  return record.data;
}

/**
 * Applies `ops` in as few transactions as the per-transaction bound allows.
 * The first transaction carries the operations that must land together (a
 * version and its metadata); the rest are deletions of data the metadata no
 * longer references, safe to apply later.
 */
export async function commit(
  storage: Storage,
  required: readonly StorageOp[],
  cleanup: readonly StorageOp[] = [],
): Promise<void> {
  const room = limits.transactionOpsMax - required.length;
  await storage.transaction([...required, ...cleanup.slice(0, Math.max(room, 0))]);
  for (let start = Math.max(room, 0); start < cleanup.length; start += limits.transactionOpsMax) {
    await storage.transaction(cleanup.slice(start, start + limits.transactionOpsMax));
  }
}
