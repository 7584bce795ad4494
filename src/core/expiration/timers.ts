/**
 * How the expiration manager waits, and how long it waits after a failed
 * revocation. The manager keeps one timer for the earliest due lease; the
 * driver is injected so tests can run due work by hand (`runDue()`) with a
 * ManualClock and no real timer at all.
 */

export interface TimerDriver {
  /** Calls `fire` once after `delayMs`; the handle is passed back to `clear`. */
  set(delayMs: number, fire: () => void): unknown;
  clear(handle: unknown): void;
}

/** Node's timers. Unref'd: a pending lease never keeps a process alive on its own. */
export const nodeTimers: TimerDriver = {
  set: (delayMs, fire) => {
    const timer = setTimeout(fire, delayMs);
    timer.unref();
    return timer;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** No timers: due leases are processed only when a test calls `runDue()`. */
export const manualTimers: TimerDriver = {
  set: () => undefined,
  clear: () => {},
};

/** setTimeout's largest delay; longer waits are re-armed when it fires. */
export const timerDelayMsMax = 2_147_483_647;

export interface RetryPolicy {
  /** First retry after about this long; each further attempt doubles it. */
  readonly baseDelayMs: number;
  /** Upper bound on one wait. */
  readonly maxDelayMs: number;
  /** After this many failed attempts the lease is marked irrevocable. */
  readonly attemptsMax: number;
  /** A number in [0, 1) for the ±50% jitter; injected for deterministic tests. */
  readonly random: () => number;
}

/** Vault's schedule: 2^attempt × 10 s ± 50 %, six attempts, then irrevocable. */
export const defaultRetryPolicy: RetryPolicy = {
  baseDelayMs: 10_000,
  maxDelayMs: 30 * 60_000,
  attemptsMax: 6,
  random: Math.random,
};

/** The wait before retry number `attempt` (1 = after the first failure). */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  const exponential = Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxDelayMs);
  const jittered = exponential * (0.5 + policy.random());
  return Math.max(1, Math.min(Math.round(jittered), policy.maxDelayMs));
}
