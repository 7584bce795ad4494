/**
 * The expiration manager: every token and secret with a TTL has a lease in
 * the barrier (see lease-entry.ts), and this is what revokes it on time.
 *
 * Time: one timer, armed for the earliest due lease of a min-heap schedule,
 * driven by the injected Clock and TimerDriver; `runDue()` processes what is
 * due now (tests call it after moving a ManualClock). Restore: `restore()`
 * loads every lease at activation and schedules it (past-due ones at once);
 * `stop()` drops timers at seal or step-down. Revocation that fails is
 * retried with exponential backoff, the error kept on the lease (shown by
 * lookup as `revoke_error`), logged and counted; after `attemptsMax`
 * failures, or an error that cannot heal, the lease is marked irrevocable
 * and only `revoke-force` removes it. Nothing is dropped silently.
 */
import { type Clock, CofferError, isCofferError, KeyedMutex } from "../../lib/index.js";
import type { Logger, Request, Response, Storage } from "../../logical/index.js";
import { type CofferMetrics, metricNames } from "../../metrics/index.js";
import type { MountEntry } from "../mounts/index.js";
import type { RouteMatch, Router } from "../router.js";
import type { TokenEntry, TokenStore } from "../token/index.js";
import { revokeSecretViaBackend } from "./backend-calls.js";
import { LeaseBook } from "./book.js";
import type { LeaseContext } from "./context.js";
import { joinLeaseId, type LeaseEntry } from "./lease-entry.js";
import { LeaseStore } from "./lease-store.js";
import { issueToken, registerSecret } from "./registration.js";
import { renewSecret, renewToken } from "./renewal.js";
import { tidyLeases } from "./tidy.js";
import {
  defaultRetryPolicy,
  nodeTimers,
  type RetryPolicy,
  retryDelayMs,
  type TimerDriver,
  timerDelayMsMax,
} from "./timers.js";
import type { MountTtls } from "./ttl.js";

export interface ExpirationOptions {
  /** The system view (`sys/`), shared with the token store. */
  readonly storage: Storage;
  readonly tokens: TokenStore;
  readonly router: Router;
  /** The effective TTLs of a mount (its tuned values, else the system's). */
  readonly mountTtls: (mount: MountEntry) => MountTtls;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: CofferMetrics;
  readonly timers?: TimerDriver;
  readonly retry?: RetryPolicy;
  /** Revocations run at once by the expiry loop. */
  readonly revocationsInFlightMax?: number;
}

export interface RevokePrefixOptions {
  /** Revoke before answering (true) or mark the leases due now and let the expiry loop do it (false). */
  readonly sync: boolean;
  /** Delete the leases even when the backend fails to revoke them. */
  readonly force: boolean;
}

/** Errors no retry will fix: the lease is marked irrevocable at once (Vault's errIsUnrecoverable). */
function isUnrecoverable(error: unknown): boolean {
  return (
    isCofferError(error) &&
    (error.code === "invalid_request" || error.code === "unsupported_path" || error.code === "unsupported_operation")
  );
}

function messageOf(error: unknown): string {
  return isCofferError(error) ? error.message : "internal error";
}

export class ExpirationManager {
  readonly #options: ExpirationOptions;
  readonly #store: LeaseStore;
  readonly #book: LeaseBook;
  readonly #locks = new KeyedMutex();
  readonly #timers: TimerDriver;
  readonly #retry: RetryPolicy;
  readonly #context: LeaseContext;
  #timer: unknown;
  #timerDueMs: number | undefined;
  #running: Promise<void> | undefined;
  #rerun = false;
  #stopped = false;

  constructor(options: ExpirationOptions) {
    this.#options = options;
    this.#store = new LeaseStore(options.storage);
    this.#timers = options.timers ?? nodeTimers;
    this.#retry = options.retry ?? defaultRetryPolicy;
    this.#book = new LeaseBook(options.metrics);
    this.#context = {
      store: this.#store,
      tokens: options.tokens,
      router: options.router,
      clock: options.clock,
      logger: options.logger,
      metrics: options.metrics,
      mountTtls: (mount) => options.mountTtls(mount),
      locked: (leaseId, section) => this.#locks.runExclusive(leaseId, section),
      track: (lease) => this.#track(lease),
    };
  }

  /** Loads and schedules every stored lease (activation). Past-due leases are revoked right away. */
  async restore(): Promise<void> {
    const started = performance.now();
    let restored = 0;
    for (const leaseId of await this.#store.collect()) {
      const lease = await this.#store.load(leaseId);
      if (!lease) continue;
      this.#track(lease, false);
      restored += 1;
    }
    this.#book.gauges();
    this.#arm();
    this.#options.logger.info(
      { leases: restored, elapsedMs: Math.round(performance.now() - started) },
      "lease restore complete",
    );
  }

  /** Stops timers (seal, step-down) and waits for revocations in progress. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#disarm();
    this.#book.clear();
    await this.#running;
  }

  /** Processes every lease due now; resolves when done. The timer calls it; tests may too. */
  runDue(): Promise<void> {
    if (this.#running) {
      this.#rerun = true;
      return this.#running;
    }
    const running = this.#drain().finally(() => {
      this.#running = undefined;
      this.#arm();
    });
    this.#running = running;
    return running;
  }

  async #drain(): Promise<void> {
    const batchMax = this.#options.revocationsInFlightMax ?? 8;
    do {
      this.#rerun = false;
      for (;;) {
        if (this.#stopped) return;
        const due = this.#book.due.popDue(this.#options.clock.nowMs(), batchMax);
        if (due.length === 0) break;
        await Promise.all(due.map((leaseId) => this.#expire(leaseId)));
      }
    } while (this.#rerun && !this.#stopped);
  }

  // ---- registration and renewal --------------------------------------------------------------

  registerSecret(request: Request, route: RouteMatch, response: Response): Promise<Response> {
    return registerSecret(this.#context, request, route, response);
  }

  issueToken(token: string, entry: Omit<TokenEntry, "saltedId">, maxTtlSeconds = 0): Promise<TokenEntry> {
    return issueToken(this.#context, token, entry, maxTtlSeconds);
  }

  renewSecret(leaseId: string, incrementSeconds: number): Promise<Response | undefined> {
    return renewSecret(this.#context, leaseId, incrementSeconds);
  }

  renewToken(entry: TokenEntry, incrementSeconds: number, clientToken: string): Promise<Response | undefined> {
    return renewToken(this.#context, entry, incrementSeconds, clientToken);
  }

  // ---- lookup ----------------------------------------------------------------------------------

  lookup(leaseId: string): Promise<LeaseEntry | undefined> {
    return this.#store.load(leaseId);
  }

  /** The lease of a token (for lookup's issue/expire/renewal times); undefined for non-expiring tokens. */
  tokenLease(entry: TokenEntry): Promise<LeaseEntry | undefined> {
    return this.#store.load(joinLeaseId(entry.path, entry.saltedId));
  }

  /** Immediate children of a lease-id prefix. */
  list(prefix: string): Promise<string[]> {
    return this.#store.list(prefix);
  }

  get leaseCount(): number {
    return this.#book.leaseCount;
  }

  get irrevocableCount(): number {
    return this.#book.irrevocableCount;
  }

  /** The leases marked irrevocable, sorted by id (`sys/leases?type=irrevocable`). */
  async irrevocableLeases(): Promise<LeaseEntry[]> {
    const leases: LeaseEntry[] = [];
    for (const leaseId of this.#book.irrevocableIds()) {
      const lease = await this.#store.load(leaseId);
      if (lease) leases.push(lease);
    }
    return leases;
  }

  /** When the lease is next due (expiry or retry), for tests and diagnostics. */
  nextDueMs(leaseId: string): number | undefined {
    return this.#book.due.dueMs(leaseId);
  }

  // ---- revocation -------------------------------------------------------------------------------

  /** Revokes one lease now (`sys/leases/revoke`); a missing lease is not an error. */
  async revoke(leaseId: string): Promise<void> {
    const started = performance.now();
    await this.#revokeNow(leaseId, false);
    this.#options.metrics.summary(metricNames.expireRevoke).observe(performance.now() - started);
  }

  /** Marks a lease due now; the expiry loop revokes it (`sync=false`). */
  async revokeLazy(leaseId: string): Promise<void> {
    await this.#locks.runExclusive(leaseId, async () => {
      const lease = await this.#store.load(leaseId);
      if (!lease) return;
      const nowMs = this.#options.clock.nowMs();
      const due: LeaseEntry = { ...lease, expireTimeMs: nowMs };
      await this.#store.put(due);
      this.#track(due);
    });
  }

  /**
   * Revokes every lease whose id starts with `prefix` (a whole id is taken as
   * itself first, as Vault does). `force` deletes even what the backend
   * failed to revoke (`revoke-force`).
   */
  async revokePrefix(prefix: string, options: RevokePrefixOptions): Promise<void> {
    const started = performance.now();
    let folder = prefix;
    if (!folder.endsWith("/")) {
      if (await this.#store.load(folder)) {
        if (options.sync) await this.#revokeNow(folder, options.force);
        else await this.revokeLazy(folder);
        return;
      }
      folder = `${folder}/`;
    }
    const leaseIds = await this.#store.collect(folder);
    for (const [index, leaseId] of leaseIds.entries()) {
      if (!options.sync) {
        await this.revokeLazy(leaseId);
        continue;
      }
      try {
        await this.#revokeNow(leaseId, options.force);
      } catch (error) {
        throw new CofferError(
          "invalid_request",
          `failed to revoke "${leaseId}" (${index + 1} / ${leaseIds.length}): ${messageOf(error)}`,
          { cause: error },
        );
      }
    }
    const name = options.force ? metricNames.expireRevokeForce : metricNames.expireRevokePrefix;
    this.#options.metrics.summary(name).observe(performance.now() - started);
  }

  /**
   * The token store's revocation hook: revokes the secrets issued to a token
   * being revoked, and removes the token's own lease. A secret whose backend
   * fails is left due for retry; the token's revocation goes on.
   */
  async revokeByToken(entry: TokenEntry): Promise<void> {
    const started = performance.now();
    for (const { leaseId, indexKey } of await this.#store.leasesOfToken(entry.saltedId)) {
      await this.#locks.runExclusive(leaseId, async () => {
        const lease = await this.#store.load(leaseId);
        if (!lease) {
          await this.#store.deleteKey(indexKey);
          return;
        }
        try {
          await this.#revokeEntry(lease);
          await this.#forget(lease);
        } catch (error) {
          await this.#recordFailure(lease, error);
        }
      });
    }
    // No lock here: the caller may be the expiry of this very lease, which holds it.
    const ownLeaseId = joinLeaseId(entry.path, entry.saltedId);
    await this.#forget({ leaseId: ownLeaseId, clientTokenSaltedId: "" });
    this.#options.metrics.summary(metricNames.expireRevokeByToken).observe(performance.now() - started);
  }

  async #revokeNow(leaseId: string, force: boolean): Promise<void> {
    await this.#locks.runExclusive(leaseId, async () => {
      const lease = await this.#store.load(leaseId);
      if (!lease) return;
      try {
        await this.#revokeEntry(lease);
      } catch (error) {
        if (!force) {
          throw new CofferError("invalid_request", `failed to revoke entry: ${messageOf(error)}`, { cause: error });
        }
        this.#options.logger.warn(
          { err: error, leaseId },
          "revocation from the backend failed, but in force mode so ignoring",
        );
      }
      await this.#forget(lease);
    });
  }

  /** Tokens: revoke the token tree (which removes this lease). Secrets: the backend's revoke. */
  async #revokeEntry(lease: LeaseEntry): Promise<void> {
    if (lease.auth) {
      await this.#options.tokens.revokeTree(lease.auth.tokenSaltedId);
      return;
    }
    await revokeSecretViaBackend(this.#options.router, lease);
  }

  /** Deletes a lease and its index entry and stops tracking it. */
  async #forget(lease: Pick<LeaseEntry, "leaseId" | "clientTokenSaltedId">): Promise<void> {
    await this.#store.delete(lease);
    this.#book.forget(lease.leaseId);
    this.#book.gauges();
  }

  /** A due lease: revoke it, or note the failure and schedule the next attempt. */
  async #expire(leaseId: string): Promise<void> {
    try {
      await this.#locks.runExclusive(leaseId, () => this.#expireLocked(leaseId));
    } catch (error) {
      // Storage failed before the revocation could even start: try again later rather than lose the lease.
      if (this.#stopped) return;
      const delayMs = retryDelayMs(this.#retry, 1);
      this.#book.retryAt(leaseId, this.#options.clock.nowMs() + delayMs);
      this.#options.logger.error({ err: error, leaseId, nextAttemptMs: delayMs }, "failed to process an expired lease");
    }
  }

  async #expireLocked(leaseId: string): Promise<void> {
    if (this.#stopped) return;
    const lease = await this.#store.load(leaseId);
    if (!lease) {
      this.#book.forget(leaseId);
      return;
    }
    const nowMs = this.#options.clock.nowMs();
    if (lease.irrevocable) return;
    if (lease.expireTimeMs > nowMs) {
      // Renewed since it was scheduled.
      this.#track(lease);
      return;
    }
    this.#options.metrics.counter(metricNames.expireLeaseExpiration, "leases revoked at expiry").inc();
    try {
      await this.#revokeEntry(lease);
      await this.#forget(lease);
      this.#options.logger.debug({ leaseId }, "revoked expired lease");
    } catch (error) {
      await this.#recordFailure(lease, error);
    }
  }

  async #recordFailure(lease: LeaseEntry, error: unknown): Promise<void> {
    const attempts = this.#book.failed(lease.leaseId);
    const irrevocable = attempts >= this.#retry.attemptsMax || isUnrecoverable(error);
    const nowMs = this.#options.clock.nowMs();
    const failed: LeaseEntry = {
      ...lease,
      expireTimeMs: lease.expireTimeMs === 0 || lease.expireTimeMs > nowMs ? nowMs : lease.expireTimeMs,
      revokeError: messageOf(error),
      ...(irrevocable ? { irrevocable: true } : {}),
    };
    this.#options.metrics.counter(metricNames.expireLeaseExpirationError, "failed lease revocations").inc();
    try {
      await this.#store.put(failed);
    } catch (storeError) {
      this.#options.logger.error({ err: storeError, leaseId: lease.leaseId }, "failed to record a revocation failure");
    }
    if (irrevocable) {
      this.#book.markIrrevocable(lease.leaseId);
      this.#book.gauges();
      this.#options.logger.error(
        { err: error, leaseId: lease.leaseId, attempts },
        "failed to revoke lease; marked irrevocable (revoke-force removes it)",
      );
      return;
    }
    const delayMs = retryDelayMs(this.#retry, attempts);
    this.#book.retryAt(lease.leaseId, nowMs + delayMs);
    this.#arm();
    this.#options.logger.error(
      { err: error, leaseId: lease.leaseId, attempts, nextAttemptMs: delayMs },
      "failed to revoke lease; will retry",
    );
  }

  // ---- tidy ---------------------------------------------------------------------------------------

  /** sys/leases/tidy (see tidy.ts). */
  tidy(): Promise<{ revoked: number; deleted: number }> {
    return tidyLeases({
      store: this.#store,
      tokens: this.#options.tokens,
      logger: this.#options.logger,
      forget: (lease) => this.#locks.runExclusive(lease.leaseId, () => this.#forget(lease)),
      revokeLazy: (leaseId) => this.revokeLazy(leaseId),
    });
  }

  // ---- scheduling ---------------------------------------------------------------------------------

  /** (Re)schedules a lease from its stored state. */
  #track(lease: LeaseEntry, arm = true): void {
    this.#book.track(lease, this.#options.clock.nowMs(), !this.#stopped);
    if (arm) {
      this.#book.gauges();
      this.#arm();
    }
  }

  #arm(): void {
    if (this.#stopped || this.#running) return;
    const nextMs = this.#book.due.nextDueMs();
    if (nextMs === undefined) {
      this.#disarm();
      return;
    }
    if (this.#timer !== undefined && this.#timerDueMs === nextMs) return;
    this.#disarm();
    const delayMs = Math.min(Math.max(0, nextMs - this.#options.clock.nowMs()), timerDelayMsMax);
    this.#timerDueMs = nextMs;
    this.#timer = this.#timers.set(delayMs, () => {
      this.#timer = undefined;
      this.#timerDueMs = undefined;
      this.runDue().catch((error: unknown) => {
        this.#options.logger.error({ err: error }, "lease expiry loop failed");
      });
    });
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#timer = undefined;
    this.#timerDueMs = undefined;
  }
}
