/** A request as every backend sees it, after HTTP parsing and before routing. */
import type { Auth, Secret } from "./lease.js";
import type { Operation } from "./operation.js";
import type { Storage } from "./storage.js";

export interface Connection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** True when the request came over TLS. */
  readonly tls: boolean;
}

export interface Request {
  /** Unique per request (uuid); echoed as `request_id`. */
  readonly id: string;
  operation: Operation;
  /**
   * Path relative to the mount once routed (for the HTTP layer: the full path
   * after `/v1/`). Never contains `.` or `..` segments: the HTTP layer refuses them.
   */
  path: string;
  /** Body fields (JSON object) or query parameters for read/list/delete. */
  data: Record<string, unknown>;
  /** The mount's storage view; set by the router. */
  storage: Storage;
  /** The token presented, "" when none. */
  clientToken: string;
  /** Accessor of the presented token, "" when none or unknown. */
  clientTokenAccessor: string;
  /** The mount this request was routed to (`secret/`), and its type and accessor. */
  mountPoint: string;
  mountType: string;
  mountAccessor: string;
  /** The caller's token as the core resolved it; undefined for unauthenticated paths. */
  callerAuth?: Auth;
  /**
   * The caller token's private cubbyhole id; set by the core for authenticated
   * requests. Never contains `/`: the cubbyhole engine keeps each token's data
   * under `<cubbyholeId>/` of its mount's view.
   */
  cubbyholeId?: string;
  /** Request headers, lowercased names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly connection?: Connection;
  /** Response wrapping asked for with X-Vault-Wrap-TTL, seconds. */
  wrapTtlSeconds?: number;
  /** For renew/revoke sent by the core: the secret or auth being renewed or revoked. */
  secret?: Secret;
  auth?: Auth;
  /** Raw body for endpoints that take bytes (snapshot restore); otherwise undefined. */
  rawBody?: Uint8Array;
  /** True when a standby forwarded this request. */
  forwarded?: boolean;
}
