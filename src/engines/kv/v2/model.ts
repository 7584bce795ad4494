/**
 * The rules of versioned keys, as pure functions over KeyMetadata: adding a
 * version (and which old ones fall out of max_versions), when a version
 * counts as deleted, when delete_version_after deletes it, check-and-set,
 * and the shapes Vault returns for a version.
 */
import { convertField, FieldConversionError, isPlainObject } from "../../../framework/index.js";
import { formatRfc3339, invalidRequest } from "../../../lib/index.js";
import type { KeyMetadata, KvConfig, VersionMetadata } from "./store.js";

export const defaultMaxVersions = 10;

/** Key setting and mount setting: the larger wins, 10 when both are 0 (current Vault). */
export function effectiveMaxVersions(metadata: KeyMetadata, config: KvConfig): number {
  const larger = Math.max(metadata.maxVersions, config.maxVersions);
  return larger > 0 ? larger : defaultMaxVersions;
}

/** A version is deleted once its deletion time has come (a future one still reads). */
export function isDeleted(version: VersionMetadata, nowMs: number): boolean {
  return version.deletionMs !== null && version.deletionMs <= nowMs;
}

/** Deleted or destroyed: reads answer 404 with the version's metadata. */
export function isGone(version: VersionMetadata, nowMs: number): boolean {
  return version.destroyed || isDeleted(version, nowMs);
}

/**
 * When a version made at `fromMs` gets deleted by delete_version_after: the
 * smaller non-zero of the mount and key settings; null when neither is set
 * or the mount disables it (-1).
 */
export function scheduledDeletionMs(fromMs: number, config: KvConfig, metadata: KeyMetadata): number | null {
  if (config.deleteVersionAfterSeconds < 0) return null;
  const candidates = [config.deleteVersionAfterSeconds, metadata.deleteVersionAfterSeconds].filter(
    (seconds) => seconds > 0,
  );
  if (candidates.length === 0) return null;
  return fromMs + Math.min(...candidates) * 1000;
}

/**
 * Records version `currentVersion + 1` in `metadata` (mutated) and drops the
 * versions that fall out of the max_versions window. Returns the new version
 * number and the dropped ones, whose data must be removed.
 */
export function addVersion(
  metadata: KeyMetadata,
  version: VersionMetadata,
  config: KvConfig,
): { readonly version: number; readonly dropped: number[] } {
  metadata.currentVersion += 1;
  const number = metadata.currentVersion;
  metadata.versions[String(number)] = version;
  metadata.updatedMs = version.createdMs;
  const maxVersions = effectiveMaxVersions(metadata, config);
  const dropped: number[] = [];
  if (metadata.currentVersion - metadata.oldestVersion >= maxVersions) {
    const lastDropped = metadata.currentVersion - maxVersions;
    for (let old = Math.max(metadata.oldestVersion, 1); old <= lastDropped; old++) {
      delete metadata.versions[String(old)];
      dropped.push(old);
    }
    metadata.oldestVersion = lastDropped + 1;
  }
  return { version: number, dropped };
}

/**
 * Vault's check-and-set on data writes: `options.cas` must equal the current
 * version (0 for a key never written); without it, a write is refused where
 * the mount or the key requires cas.
 */
export function checkAndSet(
  options: Record<string, unknown> | undefined,
  config: KvConfig,
  metadata: KeyMetadata,
): void {
  if (options !== undefined && Object.hasOwn(options, "cas")) {
    const raw = options["cas"];
    let cas: number;
    try {
      cas = raw === null ? 0 : convertField("int", raw);
    } catch (error) {
      if (error instanceof FieldConversionError) throw invalidRequest("error parsing check-and-set parameter");
      throw error;
    }
    if (cas !== metadata.currentVersion)
      throw invalidRequest("check-and-set parameter did not match the current version");
    return;
  }
  if (config.casRequired || metadata.casRequired)
    throw invalidRequest("check-and-set parameter required for this call");
}

export function formatTime(timeMs: number | null): string {
  return timeMs === null ? "" : formatRfc3339(timeMs);
}

/** The metadata of one version as data writes and reads return it. */
export function versionView(metadata: KeyMetadata, version: number): Record<string, unknown> {
  const entry = metadata.versions[String(version)] as VersionMetadata;
  return {
    created_time: formatTime(entry.createdMs),
    custom_metadata: metadata.customMetadata,
    deletion_time: formatTime(entry.deletionMs),
    destroyed: entry.destroyed,
    version,
  };
}

/** The versions a request names that the metadata still holds, each once, ascending. */
export function knownVersions(metadata: KeyMetadata, requested: readonly number[]): number[] {
  const known = requested.filter((version) => Object.hasOwn(metadata.versions, String(version)));
  return [...new Set(known)].sort((a, b) => a - b);
}

/**
 * The structure of secret data with every value replaced by null (subkeys).
 * Objects below `depthMax` levels are walked; deeper ones, and empty ones,
 * become null leaves, so no value can leak past the limit.
 */
export function stripValues(data: Record<string, unknown>, depthMax: number, depth = 1): Record<string, unknown> {
  const stripped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const walk = isPlainObject(value) && Object.keys(value).length > 0 && depth < depthMax;
    Object.defineProperty(stripped, key, {
      value: walk ? stripValues(value, depthMax, depth + 1) : null,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return stripped;
}
