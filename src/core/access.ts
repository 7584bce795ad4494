/**
 * What the pipeline needs from the ACL: a decision for one request. The
 * policy module's compiled ACL implements it; the root token bypasses it.
 */
import type { Operation } from "../logical/index.js";

export interface AccessQuery {
  /** Full request path (`secret/data/app`), with a trailing `/` for lists. */
  readonly path: string;
  readonly operation: Operation;
  readonly data: Readonly<Record<string, unknown>>;
  readonly wrapTtlSeconds?: number;
  /** The path is sudo-protected by its backend (Vault's root paths). */
  readonly sudoRequired: boolean;
}

export interface AccessDecision {
  readonly allowed: boolean;
  /** The caller holds sudo on this path (or is root). */
  readonly sudo: boolean;
  readonly grantingPolicies: readonly string[];
}

export interface AccessControl {
  check(query: AccessQuery): AccessDecision;
}

/** Compiles (and caches) the ACL for a set of policy names. */
export type AccessResolver = (policies: readonly string[]) => Promise<AccessControl>;

export const allowAll: AccessControl = {
  check: () => ({ allowed: true, sudo: true, grantingPolicies: ["root"] }),
};
