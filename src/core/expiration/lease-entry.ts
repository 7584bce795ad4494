/**
 * A lease as persisted (barrier-encrypted) in the system view, Vault's layout:
 *   expire/id/<lease id>                              LeaseEntry JSON
 *   expire/token/<salted token>/<sha256(lease id)>    { leaseId } for the secrets a token obtained
 * Token strings never appear here: a token's own lease is keyed by the
 * token's salted id (`<token path>/<salted id>`), and secrets point to the
 * salted id of the token that obtained them.
 */
import { createHash } from "node:crypto";
import { invalidRequest } from "../../lib/index.js";
import type { Secret, TokenType } from "../../logical/index.js";

export const leasePrefix = "expire/id/";
export const tokenIndexPrefix = "expire/token/";

/** What the lease of a token remembers to renew and revoke it; never the token itself. */
export interface LeaseAuth {
  readonly tokenSaltedId: string;
  readonly accessor: string;
  readonly policies: string[];
  readonly metadata: Record<string, string>;
  readonly displayName: string;
  readonly entityId: string;
  readonly tokenType: TokenType;
  readonly renewable: boolean;
  /** The TTL granted at creation or at the last renewal, seconds. */
  readonly ttlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly periodSeconds: number;
  readonly explicitMaxTtlSeconds: number;
  /** The auth method's private data from the login, handed back on renewal. */
  readonly internalData: Record<string, unknown>;
}

/** A secret as kept with its lease: the backend's Secret without the lease id (the entry holds it). */
export type LeaseSecret = Omit<Secret, "leaseId">;

export interface LeaseEntry {
  readonly leaseId: string;
  /** Full request path (`database/creds/ro`, `auth/token/create`): routes renew and revoke. */
  readonly path: string;
  /** Salted id of the token a secret was issued to ("" for token leases and unauthenticated issues). */
  readonly clientTokenSaltedId: string;
  /** The secret's response data, handed back to the backend on renew and revoke. */
  readonly data?: Record<string, unknown>;
  readonly secret?: LeaseSecret;
  readonly auth?: LeaseAuth;
  readonly issueTimeMs: number;
  /** 0 = never expires. */
  readonly expireTimeMs: number;
  /** 0 = never renewed. */
  readonly lastRenewalTimeMs: number;
  /** The last revocation failure, shown by lookup as `revoke_error`. */
  readonly revokeError?: string;
  /** Retries are exhausted (or the failure cannot heal): only a forced revoke removes it. */
  readonly irrevocable?: boolean;
  readonly version: 1;
}

export function leaseKey(leaseId: string): string {
  return leasePrefix + leaseId;
}

/** The index key of a secret lease under the token that obtained it; hashed because lease ids contain `/`. */
export function tokenIndexKey(tokenSaltedId: string, leaseId: string): string {
  return `${tokenIndexPrefix}${tokenSaltedId}/${createHash("sha256").update(leaseId).digest("hex")}`;
}

/** `<path>/<suffix>` without a doubled slash; lease ids as Vault forms them. */
export function joinLeaseId(path: string, suffix: string): string {
  return `${path.replace(/\/+$/, "")}/${suffix}`;
}

/**
 * Why a lease cannot be renewed now (Vault's leaseEntry.renewable), as a 400;
 * undefined when it can.
 */
export function renewRefusal(lease: LeaseEntry | undefined, nowMs: number): string | undefined {
  if (!lease) return "lease not found";
  if (lease.irrevocable) return "lease is expired and has failed previous revocation attempts";
  if (lease.expireTimeMs === 0) return "lease is not renewable";
  if (lease.expireTimeMs <= nowMs) return "lease expired";
  if (lease.secret && !lease.secret.renewable) return "lease is not renewable";
  if (lease.auth && !lease.auth.renewable) return "lease is not renewable";
  return undefined;
}

export function assertRenewable(lease: LeaseEntry | undefined, nowMs: number): asserts lease is LeaseEntry {
  const refusal = renewRefusal(lease, nowMs);
  if (refusal !== undefined) throw invalidRequest(refusal);
}

/** Remaining whole seconds, as Vault reports `ttl` (now rounded to the second); 0 for non-expiring. */
export function remainingSeconds(expireTimeMs: number, nowMs: number): number {
  if (expireTimeMs === 0) return 0;
  return Math.max(0, Math.trunc((expireTimeMs - Math.round(nowMs / 1000) * 1000) / 1000));
}
