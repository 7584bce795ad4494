/**
 * Lease TTL arithmetic, as Vault's sdk/framework CalculateTTL decides it for
 * every secret, token and renewal: the backend's wish, capped by the mount's
 * (or system's) max, by an explicit max, and by the time left since the lease
 * was first issued. Whole seconds throughout: Vault truncates both "now" and
 * the start time to the second before comparing.
 */
import { formatDuration, invalidRequest } from "../../lib/index.js";

/** The effective TTLs of the mount a lease belongs to (tuned values, else the system's). */
export interface MountTtls {
  readonly defaultLeaseTtlSeconds: number;
  readonly maxLeaseTtlSeconds: number;
}

export interface TtlRequest {
  /** What the caller asked for on renewal; 0 = nothing asked. */
  readonly incrementSeconds?: number;
  /** What the backend granted (or last granted); 0 = the mount's default. */
  readonly backendTtlSeconds?: number;
  /** Periodic tokens: every grant is the period, never capped by the mount max from issue time. */
  readonly periodSeconds?: number;
  /** The backend's own cap (a role's max_ttl); 0 = none. */
  readonly backendMaxTtlSeconds?: number;
  /** A token's explicit_max_ttl: a hard cap from issue time, periodic or not; 0 = none. */
  readonly explicitMaxTtlSeconds?: number;
  /** When the lease was first issued (Unix ms); omitted = now. */
  readonly startMs?: number;
}

export interface TtlResult {
  readonly ttlSeconds: number;
  readonly warnings: string[];
}

/**
 * The TTL to grant. Throws a 400 `past the max TTL, cannot renew` when the
 * lease has no time left under its cap.
 */
export function calculateTtl(mount: MountTtls, request: TtlRequest, nowMs: number): TtlResult {
  const nowSeconds = Math.floor(nowMs / 1000);
  const startSeconds = request.startMs === undefined ? nowSeconds : Math.floor(request.startMs / 1000);
  const increment = request.incrementSeconds ?? 0;
  const backendTtl = request.backendTtlSeconds ?? 0;
  const backendMax = request.backendMaxTtlSeconds ?? 0;
  const explicitMax = request.explicitMaxTtlSeconds ?? 0;
  let period = request.periodSeconds ?? 0;
  const warnings: string[] = [];

  let maxTtl = mount.maxLeaseTtlSeconds;
  if (backendMax > 0 && backendMax < maxTtl) maxTtl = backendMax;
  if (explicitMax > 0 && explicitMax < maxTtl) maxTtl = explicitMax;
  if (maxTtl <= 0) throw invalidRequest("max TTL must be greater than zero");

  let ttl: number;
  let maxValidSeconds: number | undefined;
  if (period > 0) {
    if (period > maxTtl) {
      warnings.push(
        `period of "${humanDuration(period)}" exceeded the effective max_ttl of "${humanDuration(maxTtl)}"; period value is capped accordingly`,
      );
      period = maxTtl;
    }
    ttl = period;
    if (explicitMax > 0) maxValidSeconds = startSeconds + explicitMax;
  } else {
    ttl = increment > 0 ? increment : backendTtl > 0 ? backendTtl : mount.defaultLeaseTtlSeconds;
    maxValidSeconds = startSeconds + maxTtl;
  }

  if (maxValidSeconds !== undefined) {
    const remaining = maxValidSeconds - nowSeconds;
    if (remaining <= 0) throw invalidRequest("past the max TTL, cannot renew");
    if (ttl > remaining) {
      warnings.push(
        `TTL of "${humanDuration(ttl)}" exceeded the effective max_ttl of "${humanDuration(remaining)}"; TTL value is capped accordingly`,
      );
      ttl = remaining;
    }
  }
  return { ttlSeconds: ttl, warnings };
}

/** Go's Duration.String() without zero units ("1h", "1h30m", "90s" -> "1m30s"), as Vault prints TTLs in warnings. */
export function humanDuration(seconds: number): string {
  let text = formatDuration(seconds);
  if (text.endsWith("m0s")) text = text.slice(0, -2);
  const hoursZeroMinutes = text.indexOf("h0m");
  if (hoursZeroMinutes > 0) text = text.slice(0, hoursZeroMinutes + 1) + text.slice(hoursZeroMinutes + 3);
  return text;
}

const ttlBuckets: ReadonlyArray<readonly [number, string]> = [
  [60, "1m"],
  [600, "10m"],
  [1200, "20m"],
  [3600, "1h"],
  [7200, "2h"],
  [86_400, "1d"],
  [172_800, "2d"],
  [604_800, "7d"],
  [2_592_000, "30d"],
];

/** Vault's metricsutil.TTLBucket: the `creation_ttl` label of token and lease creation counters. */
export function ttlBucket(ttlSeconds: number): string {
  for (const [upperSeconds, label] of ttlBuckets) if (ttlSeconds <= upperSeconds) return label;
  return "+Inf";
}
