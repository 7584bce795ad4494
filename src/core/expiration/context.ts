/**
 * What registration and renewal need of the expiration manager: its store,
 * the per-lease lock, and `track` to (re)schedule a lease once persisted.
 */
import type { Clock } from "../../lib/index.js";
import type { Logger } from "../../logical/index.js";
import type { CofferMetrics } from "../../metrics/index.js";
import type { MountEntry } from "../mounts/index.js";
import type { Router } from "../router.js";
import type { TokenStore } from "../token/index.js";
import type { LeaseEntry } from "./lease-entry.js";
import type { LeaseStore } from "./lease-store.js";
import type { MountTtls } from "./ttl.js";

export interface LeaseContext {
  readonly store: LeaseStore;
  readonly tokens: TokenStore;
  readonly router: Router;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: CofferMetrics;
  mountTtls(mount: MountEntry): MountTtls;
  /** Runs `section` holding the lease's lock (one writer per lease id). */
  locked<T>(leaseId: string, section: () => Promise<T>): Promise<T>;
  /** Schedules a persisted lease's expiry (or forgets it when it never expires). */
  track(lease: LeaseEntry): void;
}
