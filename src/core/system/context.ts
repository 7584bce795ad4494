/**
 * What the system backend (sys/*) may use of the core: a narrow context
 * handed to each group of paths, so `sys/mounts` cannot reach the seal and
 * `sys/policy` cannot reach the router.
 */
import type { Clock } from "../../lib/index.js";
import type { Logger, Request } from "../../logical/index.js";
import type { ExpirationManager } from "../expiration/index.js";
import type { MetricsFormat, MetricsOutput } from "../facade.js";
import type { Mounter } from "../mounts/index.js";
import type { PolicyStore } from "../policy-store.js";
import type { Router } from "../router.js";
import type { TokenStore } from "../token/index.js";
import type { ResponseWrapper } from "../wrapping/index.js";

export interface KeyringControl {
  rotate(): Promise<{ term: number; installTime: string; encryptions: number }>;
  keyStatus(): { term: number; installTime: string; encryptions: number };
}

export interface LifecycleControl {
  /** sys/seal: seal this node (the active). */
  seal(): Promise<void>;
  /** sys/step-down: give up being active. */
  stepDown(): Promise<void>;
}

export interface SystemContext {
  readonly mounter: Mounter;
  readonly router: Router;
  readonly policies: PolicyStore;
  readonly tokens: TokenStore;
  readonly keyring: KeyringControl;
  readonly lifecycle: LifecycleControl;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Leases (sys/leases/*). */
  readonly expiration: ExpirationManager;
  /** Response wrapping (sys/wrapping/*). */
  readonly wrapping: ResponseWrapper;
  metrics(format: MetricsFormat): Promise<MetricsOutput>;
  /** Revokes every lease under a prefix (used when a mount is disabled). */
  revokeLeasesByPrefix(prefix: string): Promise<void>;
  /** The ACL of the request's caller, for sys/capabilities-self and filtering OpenAPI. */
  callerPolicies(request: Request): readonly string[];
}
