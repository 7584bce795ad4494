/**
 * KV version 1 (Vault's passthrough backend): each key holds one JSON object,
 * replaced whole on write.
 *
 * Storage layout (the mount's view): `<key>` -> the JSON object as written.
 * LIST of a folder is the storage listing of `<folder>/`.
 */
import { definePath, FrameworkBackend, matchAllRegex } from "../../framework/index.js";
import { invalidRequest, parseDurationSeconds } from "../../lib/index.js";
import { getJson, listResponse, type Request, type Response, type SystemView } from "../../logical/index.js";
import { checkKeyName } from "./key-name.js";

const secretType = "kv";

export interface KvV1Options {
  readonly system: SystemView;
  /** Mount option `leased_passthrough=true`: reads carry renewable leases when the data has a TTL. */
  readonly leased: boolean;
}

export function kvV1Backend(options: KvV1Options): FrameworkBackend {
  return new FrameworkBackend({
    type: "kv",
    help: kvV1Help,
    secretTypes: [
      {
        type: secretType,
        renew: async (request) => readSecret(options, request),
        revoke: async () => undefined,
      },
    ],
    paths: [
      definePath({
        pattern: matchAllRegex("path"),
        fields: { path: { type: "string", description: "Location of the secret." } },
        takesArbitraryInput: true,
        existenceCheck: async (request, data) => (await request.storage.get(data.get("path"))) !== undefined,
        operations: {
          read: { summary: "Read a secret.", handler: async (request) => readSecret(options, request) },
          update: { summary: "Write a secret, replacing what the key held.", handler: writeSecret },
          delete: { summary: "Delete a secret.", handler: deleteSecret },
          list: { summary: "List the keys in a folder.", handler: listFolder },
        },
        helpSynopsis: "Pass-through secret storage: read and write arbitrary JSON objects.",
        helpDescription: kvV1PathHelp,
      }),
    ],
  });
}

function keyOf(request: Request): string {
  // Renew requests carry no path; the secret's internal data remembers the key.
  const remembered = request.secret?.internalData["path"];
  return typeof remembered === "string" && request.operation === "renew" ? remembered : request.path;
}

async function readSecret(options: KvV1Options, request: Request): Promise<Response | undefined> {
  const key = keyOf(request);
  const stored = await getJson<Record<string, unknown>>(request.storage, key);
  if (stored === undefined) return undefined;
  // A "ttl" (or legacy "lease") key in the data is a hint for readers, reported as lease_duration.
  const ttlRaw = Object.hasOwn(stored, "ttl")
    ? stored["ttl"]
    : Object.hasOwn(stored, "lease")
      ? stored["lease"]
      : undefined;
  let ttlSeconds = options.system.defaultLeaseTtlSeconds();
  if (ttlRaw !== undefined) {
    try {
      ttlSeconds = parseDurationSeconds(ttlRaw);
    } catch {
      // Vault ignores an unparsable hint and keeps the mount default.
    }
  }
  // secret_type lets the framework route a renew (leased_passthrough mounts) back here.
  const internalData = { secret_type: secretType, path: key };
  const renewable = options.leased && ttlRaw !== undefined;
  return { data: stored, secret: { ttlSeconds, maxTtlSeconds: 0, renewable, internalData } };
}

async function writeSecret(request: Request): Promise<Response | undefined> {
  checkKeyName(request.path);
  if (Object.keys(request.data).length === 0) throw invalidRequest("missing data fields");
  await request.storage.put(request.path, new TextEncoder().encode(JSON.stringify(request.data)));
  return undefined;
}

async function deleteSecret(request: Request): Promise<Response | undefined> {
  await request.storage.delete(request.path);
  return undefined;
}

async function listFolder(request: Request): Promise<Response> {
  const folder = request.path === "" || request.path.endsWith("/") ? request.path : `${request.path}/`;
  return listResponse(await request.storage.list(folder));
}

const kvV1Help = `
The kv backend reads and writes arbitrary secrets to the storage backend.
Secrets are encrypted by the barrier before they reach storage.

A "ttl" key in a secret is returned as the lease duration when the secret is
read: a hint to readers to read it again before it expires. Coffer does not
revoke anything when it passes.
`;

const kvV1PathHelp = `
Writes store the request body (a JSON object) at the key, replacing what was
there; reads return it. A "ttl" field, if present, sets the lease duration
reported on read. LIST returns the keys and folders (ending in "/") below a
folder.
`;
