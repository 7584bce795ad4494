/**
 * A token as stored. The token string itself is never stored: entries live
 * under the salted hash of the token (`id/<salted>`), so neither storage nor
 * a snapshot reveals a usable token even with the barrier keys.
 */
import type { Auth, TokenType } from "../../logical/index.js";

export interface TokenEntry {
  /** HMAC-SHA256 of the token under the store's salt; the storage key. */
  saltedId: string;
  accessor: string;
  /** Salted id of the parent; "" for orphans. */
  parentSaltedId: string;
  policies: string[];
  /** Path that created it (`auth/token/create`, `auth/userpass/login/bob`). */
  path: string;
  meta: Record<string, string>;
  displayName: string;
  /** Remaining uses; 0 = unlimited; -1 = revocation pending (unusable). */
  numUses: number;
  creationTimeMs: number;
  /** Granted TTL at creation or last renewal, seconds; 0 = never expires. */
  ttlSeconds: number;
  explicitMaxTtlSeconds: number;
  periodSeconds: number;
  /** Unix ms when the token stops working; 0 = never. */
  expireTimeMs: number;
  lastRenewalTimeMs: number;
  renewable: boolean;
  type: TokenType;
  /** Id of this token's private cubbyhole. */
  cubbyholeId: string;
  entityId: string;
  role: string;
  boundCidrs: string[];
  noIdentityPolicies: boolean;
  /** Accessor of the auth mount that issued it (token store: its own). */
  mountAccessor: string;
  /** Backend-private data from a login (returned to the backend on renew). */
  internalData: Record<string, unknown>;
}

/** What lookup returns: the entry plus the token string that was presented. */
export interface ResolvedToken {
  readonly token: string;
  readonly entry: TokenEntry;
}

export function isRootToken(entry: Pick<TokenEntry, "policies">): boolean {
  return entry.policies.length === 1 && entry.policies[0] === "root";
}

/** Vault's display-name sanitising: `token-` prefix, non [a-zA-Z0-9-] become `-`, trailing `-` trimmed. */
export function sanitizeDisplayName(name: string, prefix = "token"): string {
  const joined = name === "" ? prefix : `${prefix}-${name}`;
  return joined.replace(/[^a-zA-Z0-9-]/g, "-").replace(/-+$/, "");
}

/** Lowercase, trim, drop empties, dedupe, sort; `root` alone when present (Vault's policyutil.SanitizePolicies). */
export function sanitizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  const set = new Set(policies.map((policy) => policy.trim().toLowerCase()).filter((policy) => policy !== ""));
  if (set.has("root")) return ["root"];
  if (addDefault) set.add("default");
  return [...set].sort();
}

/** A token as a response-style Auth (the caller for engines and the audit log; renewals adjust the timing fields). */
export function authFromEntry(token: string, entry: TokenEntry): Auth {
  return {
    clientToken: token,
    accessor: entry.accessor,
    policies: entry.policies,
    tokenPolicies: entry.policies,
    metadata: entry.meta,
    displayName: entry.displayName,
    entityId: entry.entityId,
    tokenType: entry.type,
    orphan: entry.parentSaltedId === "",
    numUses: entry.numUses,
    periodSeconds: entry.periodSeconds,
    explicitMaxTtlSeconds: entry.explicitMaxTtlSeconds,
    internalData: entry.internalData,
    ttlSeconds: entry.ttlSeconds,
    maxTtlSeconds: entry.explicitMaxTtlSeconds,
    renewable: entry.renewable,
    issueTimeMs: entry.creationTimeMs,
  };
}
