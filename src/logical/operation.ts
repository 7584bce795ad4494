/**
 * The operations a request can carry, as in Vault's sdk/logical. HTTP maps
 * GET->read (or list with ?list=true), LIST->list, PUT/POST->update (the core
 * turns it into create when the path's existence check says the target does
 * not exist), PATCH->patch, DELETE->delete. `renew`, `revoke` and `rollback`
 * are sent by the core itself (leases, periodic cleanup), never by HTTP.
 */
export const operations = [
  "read",
  "list",
  "create",
  "update",
  "patch",
  "delete",
  "help",
  "renew",
  "revoke",
  "rollback",
] as const;

export type Operation = (typeof operations)[number];

/** Operations a client can send over HTTP and that a policy capability can grant. */
export type ClientOperation = Extract<Operation, "read" | "list" | "create" | "update" | "patch" | "delete">;

export function isOperation(value: string): value is Operation {
  return (operations as readonly string[]).includes(value);
}
