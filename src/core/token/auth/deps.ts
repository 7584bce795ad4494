/** What the `auth/token/` backend uses of the core, passed in by ActiveCore. */
import type { Clock } from "../../../lib/index.js";
import type { Logger, SystemView } from "../../../logical/index.js";
import type { CofferMetrics } from "../../../metrics/index.js";
import type { ExpirationManager } from "../../expiration/index.js";
import type { TokenRoleStore } from "../roles.js";
import type { TokenStore } from "../token-store.js";

export interface TokenBackendDeps {
  readonly tokens: TokenStore;
  readonly roles: TokenRoleStore;
  readonly expiration: ExpirationManager;
  /** The token mount's TTLs (its tuned values, else the system's). */
  readonly system: SystemView;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: CofferMetrics;
  /** True when the named policy exists (create warns about unknown ones). */
  policyExists(name: string): Promise<boolean>;
  /** True when `policies` grant sudo on `path` (the root policy always does). */
  hasSudo(policies: readonly string[], path: string): Promise<boolean>;
  /** Destroys every cubbyhole whose id is not in `liveIds` (tidy); returns how many. */
  destroyOrphanCubbyholes(liveIds: ReadonlySet<string>): Promise<number>;
}

/** The token store's own mount point: token paths and lease ids start with it. */
export const tokenMountPath = "auth/token/";
