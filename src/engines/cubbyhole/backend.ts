/**
 * Cubbyhole: a private KV store per token. Works like KV v1 (read, write,
 * delete, list; no leases), but every request sees only the cubbyhole of the
 * token that made it.
 *
 * Storage layout (the mount's view): `<cubbyholeId>/<key>` -> the JSON object
 * as written. The core sets `request.cubbyholeId` for authenticated requests
 * and destroys a token's cubbyhole by clearing the `<cubbyholeId>/` prefix.
 */
import { definePath, FrameworkBackend, matchAllRegex } from "../../framework/index.js";
import { assert, invalidRequest } from "../../lib/index.js";
import { getJson, listResponse, type Request, type Response } from "../../logical/index.js";

/** The caller's storage prefix; a request without a cubbyhole id is refused, as Vault does with no token. */
export function cubbyholePrefix(request: Request): string {
  const id = request.cubbyholeId ?? "";
  if (id === "") throw invalidRequest("client token empty");
  // The id is the only thing keeping tokens apart: one with a "/" could reach into another's space.
  assert(!id.includes("/"), "a cubbyhole id never contains '/'");
  return `${id}/`;
}

export function cubbyholeBackend(): FrameworkBackend {
  return new FrameworkBackend({
    type: "cubbyhole",
    help: cubbyholeHelp,
    paths: [
      definePath({
        pattern: matchAllRegex("path"),
        fields: { path: { type: "string", description: "Specifies the path of the secret." } },
        takesArbitraryInput: true,
        existenceCheck: async (request) =>
          (await request.storage.get(cubbyholePrefix(request) + request.path)) !== undefined,
        operations: {
          read: { summary: "Retrieve the secret at the specified location.", handler: readSecret },
          update: { summary: "Store a secret at the specified location.", handler: writeSecret },
          delete: { summary: "Deletes the secret at the specified location.", handler: deleteSecret },
          list: { summary: "List secret entries at the specified location.", handler: listFolder },
        },
        helpSynopsis: "Pass-through secret storage to a token-specific cubbyhole in the storage backend.",
        helpDescription: `
The cubbyhole backend reads and writes arbitrary data into secret storage,
encrypting it along the way. The view into the cubbyhole storage space is
different for each token; when the token is revoked all its values are removed.
`,
      }),
    ],
  });
}

async function readSecret(request: Request): Promise<Response | undefined> {
  const stored = await getJson<Record<string, unknown>>(request.storage, cubbyholePrefix(request) + request.path);
  return stored === undefined ? undefined : { data: stored };
}

async function writeSecret(request: Request): Promise<undefined> {
  const prefix = cubbyholePrefix(request);
  if (request.path === "") throw invalidRequest("missing path");
  // A key ending in "/" would list as an empty name inside its folder.
  if (request.path.endsWith("/"))
    throw invalidRequest(`invalid path "${request.path}": a secret's path cannot end in "/"`);
  if (Object.keys(request.data).length === 0) throw invalidRequest("missing data fields");
  await request.storage.put(prefix + request.path, new TextEncoder().encode(JSON.stringify(request.data)));
  return undefined;
}

async function deleteSecret(request: Request): Promise<undefined> {
  await request.storage.delete(cubbyholePrefix(request) + request.path);
  return undefined;
}

async function listFolder(request: Request): Promise<Response> {
  const prefix = cubbyholePrefix(request);
  const folder = request.path === "" || request.path.endsWith("/") ? request.path : `${request.path}/`;
  return listResponse(await request.storage.list(prefix + folder));
}

const cubbyholeHelp = `
The cubbyhole backend reads and writes arbitrary secrets to the backend.
Secrets are encrypted by the barrier before they reach storage.

This backend differs from the kv backend in that it is namespaced per token:
a token can only read and write its own values, with no sharing possible.
This is useful for response wrapping and as a scratch area for a client.
When the token is revoked, the entire set of stored values for that token is
removed.
`;
