/**
 * Which KV version serves a path, and the API path for it. Like Vault's CLI,
 * ask `sys/internal/ui/mounts/<path>` (it names the mount and its options);
 * servers without that endpoint are asked for `sys/mounts` and the longest
 * mount prefix wins; with neither, the path is taken as version 1.
 */
import { type CommandContext, CommandError, withErrorPrefix } from "../command.js";
import type { FlagSpec } from "../flags.js";
import type { ApiClient } from "../http-client.js";
import { sanitizePath } from "../paths.js";
import { isJsonObject, type JsonObject, readSecret } from "../secret.js";
import { mountsOf } from "./secrets.js";

export interface KvTarget {
  /** The path as the user means it, e.g. `secret/app/db`. */
  readonly path: string;
  /** The mount, with a trailing slash, e.g. `secret/`. */
  readonly mountPath: string;
  readonly version: 1 | 2;
}

export const mountFlag: FlagSpec = {
  name: "mount",
  kind: "string",
  usage: "The KV mount; when given, the argument is the path inside it (secret/foo becomes -mount=secret foo).",
};

function versionOf(options: unknown): 1 | 2 {
  return isJsonObject(options) && String(options["version"]) === "2" ? 2 : 1;
}

async function fromUiMounts(api: ApiClient, path: string): Promise<{ mountPath: string; version: 1 | 2 } | undefined> {
  const response = await api.request("GET", `sys/internal/ui/mounts/${path}`, { acceptStatuses: [404, 405] });
  if (response.status !== 200) return undefined;
  const body = JSON.parse(response.body.toString("utf8")) as { data?: JsonObject };
  const data = body.data;
  if (!isJsonObject(data) || typeof data["path"] !== "string") return undefined;
  return { mountPath: data["path"], version: versionOf(data["options"]) };
}

async function fromMountTable(
  api: ApiClient,
  path: string,
): Promise<{ mountPath: string; version: 1 | 2 } | undefined> {
  const mounts = mountsOf(await readSecret(api, "sys/mounts"));
  const candidates = Object.keys(mounts).filter((mount) => `${path}/`.startsWith(mount));
  const longest = candidates.sort((a, b) => b.length - a.length)[0];
  if (longest === undefined) return undefined;
  const mount = mounts[longest];
  return { mountPath: longest, version: versionOf(isJsonObject(mount) ? mount["options"] : undefined) };
}

function isForbidden(error: unknown): boolean {
  return (error as { status?: unknown }).status === 403;
}

/**
 * The UI mounts endpoint first; when it is missing or refuses the token, the
 * mount table. If both refuse, the first refusal is the answer (as Vault's
 * preflight error); if neither knows the path, it is taken as version 1.
 */
export async function detectMount(
  api: ApiClient,
  path: string,
): Promise<{ mountPath: string; version: 1 | 2 } | undefined> {
  let refusal: unknown;
  try {
    const found = await fromUiMounts(api, path);
    if (found !== undefined) return found;
  } catch (error) {
    if (!isForbidden(error)) throw error;
    refusal = error;
  }
  try {
    return await fromMountTable(api, path);
  } catch (error) {
    if (!isForbidden(error)) throw error;
    if (refusal !== undefined) throw refusal;
    return undefined;
  }
}

/** Resolves the KV mount for the command's path argument (and `-mount`). */
export async function resolveKvTarget(context: CommandContext, api: ApiClient): Promise<KvTarget> {
  const argument = sanitizePath(context.args[0] ?? "");
  const mountFlagValue = context.flags.string("mount");
  const path =
    mountFlagValue === undefined ? argument : `${sanitizePath(mountFlagValue).replace(/\/+$/, "")}/${argument}`;
  if (path === "" || path === "/") throw new CommandError("Path must not be empty");
  const found = await withErrorPrefix("Error determining the KV version", () => detectMount(api, path));
  const mountPath = found?.mountPath ?? `${path.split("/")[0]}/`;
  return { path, mountPath, version: found?.version ?? 1 };
}

/** Inserts `data`, `metadata`, `delete`, ... after the mount: `secret/foo` -> `secret/data/foo`. */
export function kvApiPath(target: KvTarget, apiPrefix: string): string {
  const mount = target.mountPath.replace(/\/+$/, "");
  const rest =
    target.path === mount || target.path === target.mountPath ? "" : target.path.slice(target.mountPath.length);
  return [mount, apiPrefix, rest]
    .filter((part) => part !== "")
    .join("/")
    .replace(/\/{2,}/g, "/");
}

export function requireV2(target: KvTarget, what: string): void {
  if (target.version !== 2)
    throw new CommandError(`${what} is not supported on KV version 1 (mount ${target.mountPath})`);
}

/** `-versions=1,2 -versions=3` -> [1, 2, 3]. */
export function parseVersions(values: readonly string[]): number[] {
  const versions = values
    .flatMap((value) => value.split(","))
    .map((part) => part.trim())
    .filter((part) => part !== "");
  return versions.map((part) => {
    if (!/^\d+$/.test(part)) throw new CommandError(`invalid version "${part}": versions are positive integers`);
    return Number(part);
  });
}
