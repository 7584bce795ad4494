/**
 * A Coffer convenience over Vault's CLI: `coffer read|write|delete|list` on a
 * KV version 2 mount with a plain path (`secret/app`) use the versioned API
 * (`secret/data/app`, `secret/metadata/app`) instead of failing. Vault's CLI
 * prints "Invalid path for a versioned K/V secrets engine" and gives up; we
 * take that very answer from the server as the signal, so paths that work
 * unchanged in Vault (`secret/data/app`) are sent unchanged and cost nothing extra.
 */
import { isApiError } from "../api-error.js";
import type { ApiClient } from "../http-client.js";
import { isJsonObject, type Secret } from "../secret.js";
import { detectMount, kvApiPath } from "./kv-mount.js";

const versionedPathWarning = "Invalid path for a versioned K/V secrets engine";
const versionedSegments = new Set(["data", "metadata", "delete", "undelete", "destroy", "subkeys", "config"]);

/** True when the server answered that the path needs the versioned KV API. */
export function isVersionedPathAnswer(answer: Secret | null | unknown): boolean {
  if (isApiError(answer)) {
    const body = answer.body;
    return (
      answer.status === 404 &&
      isJsonObject(body) &&
      JSON.stringify(body["warnings"] ?? "").includes(versionedPathWarning)
    );
  }
  const secret = answer as Secret | null;
  return (secret?.warnings ?? []).some((warning) => warning.includes(versionedPathWarning));
}

/** The versioned API path for a plain path on a KV v2 mount, or undefined when there is none. */
export async function versionedPath(
  api: ApiClient,
  path: string,
  segment: "data" | "metadata",
): Promise<string | undefined> {
  const found = await detectMount(api, path);
  if (found?.version !== 2) return undefined;
  const rest = path.slice(found.mountPath.length);
  if (versionedSegments.has(rest.split("/")[0] ?? "")) return undefined;
  return kvApiPath({ path, mountPath: found.mountPath, version: 2 }, segment);
}

/** A KV v2 read answer presented as the secret itself (its fields, for `-field` and the table). */
export function unwrapVersionedSecret(secret: Secret): Secret {
  const inner = secret.data?.["data"];
  return { ...secret, data: isJsonObject(inner) ? inner : null };
}
