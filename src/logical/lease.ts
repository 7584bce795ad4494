/** Secrets and auth results that carry a lease, as a backend returns them. */

/** Lease timing a backend asks for; the core caps it with the mount's and the system's maximum. */
export interface LeaseOptions {
  /** Requested time to live, seconds; 0 means "the mount's default". */
  ttlSeconds: number;
  /** Hard cap on the lease's total life, seconds; 0 means "the mount's maximum". */
  maxTtlSeconds: number;
  renewable: boolean;
  /** Unix ms when the lease was first issued; set by the core. */
  issueTimeMs?: number;
  /** How much longer the caller asked for on renewal, seconds. */
  incrementSeconds?: number;
}

/**
 * A dynamic secret (database credentials, a PKI certificate with a lease).
 * `internalData` is kept with the lease and handed back on renew/revoke so the
 * backend can find what to revoke; it is never shown to the client.
 */
export interface Secret extends LeaseOptions {
  internalData: Record<string, unknown>;
  /** Set by the core when it registers the lease. */
  leaseId?: string;
}

export type TokenType = "service" | "batch";

/** A login result or a token's description, mirrored in the response's `auth` block. */
export interface Auth extends LeaseOptions {
  clientToken: string;
  accessor: string;
  /** All policies of the token (token + identity). */
  policies: string[];
  tokenPolicies: string[];
  identityPolicies?: string[];
  metadata: Record<string, string>;
  displayName: string;
  entityId: string;
  tokenType: TokenType;
  orphan: boolean;
  numUses: number;
  /** Periodic tokens renew to `periodSeconds` each time; 0 when not periodic. */
  periodSeconds: number;
  explicitMaxTtlSeconds: number;
  /** Backend-private data kept with the token (e.g. the role that issued it). */
  internalData: Record<string, unknown>;
  /** CIDRs the token may be used from; empty means anywhere. */
  boundCidrs?: string[];
  /** A login: leave the `default` policy out of the token (the role's token_no_default_policy). */
  noDefaultPolicy?: boolean;
}
