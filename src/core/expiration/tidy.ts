/**
 * sys/leases/tidy: cleans what a crash or a bug can leave behind. Secret
 * leases of tokens that no longer exist are revoked (queued), token leases
 * without a token and index entries without a lease are deleted.
 */
import type { Logger } from "../../logical/index.js";
import type { TokenStore } from "../token/index.js";
import type { LeaseEntry } from "./lease-entry.js";
import type { LeaseStore } from "./lease-store.js";

export interface LeaseTidyDeps {
  readonly store: LeaseStore;
  readonly tokens: TokenStore;
  readonly logger: Logger;
  /** Deletes a lease (under its lock) and stops tracking it. */
  forget(lease: LeaseEntry): Promise<void>;
  /** Marks a lease due now. */
  revokeLazy(leaseId: string): Promise<void>;
}

export async function tidyLeases(deps: LeaseTidyDeps): Promise<{ revoked: number; deleted: number }> {
  let revoked = 0;
  let deleted = 0;
  for (const leaseId of await deps.store.collect()) {
    const lease = await deps.store.load(leaseId);
    if (!lease) continue;
    if (lease.auth && !(await deps.tokens.loadSalted(lease.auth.tokenSaltedId))) {
      await deps.forget(lease);
      deleted += 1;
    } else if (lease.clientTokenSaltedId !== "" && !(await deps.tokens.loadSalted(lease.clientTokenSaltedId))) {
      await deps.revokeLazy(leaseId);
      revoked += 1;
    }
  }
  for (const tokenSaltedId of await deps.store.indexedTokens()) {
    for (const { leaseId, indexKey } of await deps.store.leasesOfToken(tokenSaltedId)) {
      if (!(await deps.store.load(leaseId))) {
        await deps.store.deleteKey(indexKey);
        deleted += 1;
      }
    }
  }
  deps.logger.info({ revoked, deleted }, "lease tidy finished");
  return { revoked, deleted };
}
