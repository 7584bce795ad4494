/**
 * Leases: the expiration manager (registration, renewal, revocation on
 * time, restore after restart) and Vault's TTL arithmetic.
 */
export {
  type LeaseAuth,
  type LeaseEntry,
  type LeaseSecret,
  leasePrefix,
  remainingSeconds,
  renewRefusal,
  tokenIndexPrefix,
} from "./lease-entry.js";
export { ExpirationManager, type ExpirationOptions, type RevokePrefixOptions } from "./manager.js";
export { countTokenCreation, type TokenCreation } from "./metrics.js";
export {
  defaultRetryPolicy,
  manualTimers,
  nodeTimers,
  type RetryPolicy,
  retryDelayMs,
  type TimerDriver,
} from "./timers.js";
export { calculateTtl, humanDuration, type MountTtls, type TtlRequest, type TtlResult, ttlBucket } from "./ttl.js";
