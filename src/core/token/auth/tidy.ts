/**
 * auth/token/tidy: cleans what a crash or a bug can leave behind (Vault's
 * handleTidy): parent-index entries whose token is gone (a child whose parent
 * is gone becomes an orphan), accessor entries without a token (the token's
 * leases are revoked), expired tokens still stored, and cubbyholes no live
 * token owns. Runs in the background, one at a time.
 */
import type { TokenBackendDeps } from "./deps.js";

export interface TidyReport {
  parentEntriesDeleted: number;
  orphaned: number;
  accessorsDeleted: number;
  expiredRevoked: number;
  cubbyholesDestroyed: number;
}

async function tidyParents(deps: TokenBackendDeps, report: TidyReport): Promise<void> {
  const tokens = deps.tokens;
  for (const parent of await tokens.listParents()) {
    const parentExists = (await tokens.loadSalted(parent)) !== undefined;
    for (const child of await tokens.listChildren(parent)) {
      const childEntry = await tokens.loadSalted(child);
      if (childEntry && !parentExists) {
        await tokens.runLocked(child, async () => {
          const current = await tokens.loadSalted(child);
          if (current) await tokens.update({ ...current, parentSaltedId: "" });
        });
        await tokens.deleteParentIndex(parent, child);
        report.orphaned += 1;
      } else if (!childEntry) {
        await tokens.deleteParentIndex(parent, child);
        report.parentEntriesDeleted += 1;
      }
    }
  }
}

async function tidyAccessorsAndTokens(deps: TokenBackendDeps, report: TidyReport): Promise<Set<string>> {
  const tokens = deps.tokens;
  const nowMs = deps.clock.nowMs();
  for (const salted of await tokens.listSaltedAccessors()) {
    const index = await tokens.accessorIndexBySalted(salted);
    if (!index || !(await tokens.loadSalted(index.saltedId))) {
      await tokens.deleteAccessorIndex(salted);
      report.accessorsDeleted += 1;
    }
  }
  const liveCubbyholes = new Set<string>();
  for (const saltedId of await tokens.listSaltedIds()) {
    const entry = await tokens.loadSalted(saltedId);
    if (!entry) continue;
    if (entry.expireTimeMs !== 0 && entry.expireTimeMs <= nowMs) {
      await tokens.revokeTree(saltedId);
      report.expiredRevoked += 1;
    } else {
      liveCubbyholes.add(entry.cubbyholeId);
    }
  }
  return liveCubbyholes;
}

export async function tidyTokens(deps: TokenBackendDeps): Promise<TidyReport> {
  const report: TidyReport = {
    parentEntriesDeleted: 0,
    orphaned: 0,
    accessorsDeleted: 0,
    expiredRevoked: 0,
    cubbyholesDestroyed: 0,
  };
  await tidyParents(deps, report);
  const live = await tidyAccessorsAndTokens(deps, report);
  report.cubbyholesDestroyed = await deps.destroyOrphanCubbyholes(live);
  return report;
}

/** Runs tidy in the background, at most one at a time. */
export class TidyRunner {
  #running = false;

  /** False when a tidy is already running. */
  start(deps: TokenBackendDeps): boolean {
    if (this.#running) return false;
    this.#running = true;
    deps.logger.info({}, "beginning tidy operation on tokens");
    tidyTokens(deps)
      .then(
        (report) => deps.logger.info({ ...report }, "finished tidy operation on tokens"),
        (error: unknown) => deps.logger.error({ err: error }, "token tidy failed"),
      )
      .finally(() => {
        this.#running = false;
      });
    return true;
  }

  get running(): boolean {
    return this.#running;
  }
}
