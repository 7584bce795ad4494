/**
 * The expiration manager's in-memory bookkeeping: which leases exist, when
 * each is next due, how many revocation attempts have failed, and which are
 * irrevocable. Storage stays the truth; this is rebuilt by `restore()`.
 */
import { type CofferMetrics, metricNames } from "../../metrics/index.js";
import type { LeaseEntry } from "./lease-entry.js";
import { DueSchedule } from "./schedule.js";

export class LeaseBook {
  readonly due = new DueSchedule();
  readonly #metrics: CofferMetrics;
  readonly #attempts = new Map<string, number>();
  readonly #known = new Set<string>();
  readonly #irrevocable = new Set<string>();

  constructor(metrics: CofferMetrics) {
    this.#metrics = metrics;
  }

  get leaseCount(): number {
    return this.#known.size;
  }

  get irrevocableCount(): number {
    return this.#irrevocable.size;
  }

  irrevocableIds(): string[] {
    return [...this.#irrevocable].sort();
  }

  /** Records a lease from its stored state and schedules its expiry (a pending retry keeps its backoff). */
  track(lease: LeaseEntry, nowMs: number, scheduling: boolean): void {
    const leaseId = lease.leaseId;
    this.#known.add(leaseId);
    if (lease.irrevocable) this.#irrevocable.add(leaseId);
    else this.#irrevocable.delete(leaseId);
    if (lease.irrevocable || lease.expireTimeMs === 0 || !scheduling) {
      this.due.cancel(leaseId);
    } else if (!this.#attempts.has(leaseId) || lease.expireTimeMs > nowMs) {
      this.#attempts.delete(leaseId);
      this.due.schedule(leaseId, lease.expireTimeMs);
    }
  }

  forget(leaseId: string): void {
    this.due.cancel(leaseId);
    this.#attempts.delete(leaseId);
    this.#known.delete(leaseId);
    this.#irrevocable.delete(leaseId);
  }

  /** Counts one more failed revocation; returns the attempts so far. */
  failed(leaseId: string): number {
    const attempts = (this.#attempts.get(leaseId) ?? 0) + 1;
    this.#attempts.set(leaseId, attempts);
    this.#known.add(leaseId);
    return attempts;
  }

  retryAt(leaseId: string, dueMs: number): void {
    this.due.schedule(leaseId, dueMs);
  }

  markIrrevocable(leaseId: string): void {
    this.#attempts.delete(leaseId);
    this.due.cancel(leaseId);
    this.#known.add(leaseId);
    this.#irrevocable.add(leaseId);
  }

  clear(): void {
    this.due.clear();
    this.#attempts.clear();
  }

  gauges(): void {
    this.#metrics.gauge(metricNames.expireNumLeases, "leases known to the expiration manager").set(this.#known.size);
    this.#metrics
      .gauge(metricNames.expireNumIrrevocableLeases, "leases that failed revocation for good")
      .set(this.#irrevocable.size);
  }
}
