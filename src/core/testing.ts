/**
 * Driving an ActiveCore in tests the way HTTP does, without sockets: a real
 * barrier over a physical backend the test provides (so a "restart" is a new
 * ActiveCore over the same backend), a ManualClock, manual expiry timers
 * (`runDue()` after moving the clock), and a logger that keeps what it was
 * told so tests can check what is (not) logged.
 */
import { randomBytes } from "node:crypto";
import { AesGcmBarrier } from "../barrier/index.js";
import { ManualClock, newUuid } from "../lib/index.js";
import { collectKeys, type Logger, type Operation } from "../logical/index.js";
import { CofferMetrics } from "../metrics/index.js";
import type { Backend } from "../physical/index.js";
import { ActiveCore } from "./active.js";
import { manualTimers, type RetryPolicy } from "./expiration/index.js";
import type { HandledRequest } from "./facade.js";
import type { BackendRegistry } from "./mounts/index.js";

export interface LogRecord {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** A Logger that records every call (children share the record). */
export class MemoryLogger implements Logger {
  readonly records: LogRecord[];
  readonly #bindings: Record<string, unknown>;

  constructor(records: LogRecord[] = [], bindings: Record<string, unknown> = {}) {
    this.records = records;
    this.#bindings = bindings;
  }

  #add(level: LogRecord["level"], fields: object, message = ""): void {
    this.records.push({ level, fields: { ...this.#bindings, ...(fields as Record<string, unknown>) }, message });
  }

  debug(fields: object, message?: string): void {
    this.#add("debug", fields, message);
  }
  info(fields: object, message?: string): void {
    this.#add("info", fields, message);
  }
  warn(fields: object, message?: string): void {
    this.#add("warn", fields, message);
  }
  error(fields: object, message?: string): void {
    this.#add("error", fields, message);
  }
  child(bindings: Record<string, unknown>): Logger {
    return new MemoryLogger(this.records, { ...this.#bindings, ...bindings });
  }
}

export interface CoreHarnessOptions {
  /** Physical storage; pass the same one again to "restart". */
  readonly backend: Backend;
  /** Engines and auth methods (tests import them; the core cannot). */
  readonly registry: BackendRegistry;
  readonly clock?: ManualClock;
  readonly rootKey?: Uint8Array;
  readonly retry?: RetryPolicy;
  readonly defaultLeaseTtlSeconds?: number;
  readonly maxLeaseTtlSeconds?: number;
  readonly logger?: MemoryLogger;
}

export interface SendOptions {
  readonly token?: string;
  readonly data?: Record<string, unknown>;
  readonly wrapTtlSeconds?: number;
  readonly remoteAddress?: string;
}

/** Vault's default lease TTLs (768h). */
const defaultTtlSeconds = 2_764_800;

export class CoreHarness {
  readonly active: ActiveCore;
  readonly clock: ManualClock;
  readonly logger: MemoryLogger;
  readonly options: CoreHarnessOptions & { rootKey: Uint8Array; clock: ManualClock };

  private constructor(active: ActiveCore, options: CoreHarness["options"], logger: MemoryLogger) {
    this.active = active;
    this.options = options;
    this.clock = options.clock;
    this.logger = logger;
  }

  /** Initializes the barrier on first use (else unseals it) and starts an ActiveCore. */
  static async start(options: CoreHarnessOptions): Promise<CoreHarness> {
    const clock = options.clock ?? new ManualClock();
    const rootKey = options.rootKey ?? randomBytes(32);
    const logger = options.logger ?? new MemoryLogger();
    const barrier = new AesGcmBarrier({ backend: options.backend, clock });
    if (!(await barrier.initialized())) await barrier.initialize(rootKey);
    await barrier.unseal(rootKey);
    const active = await ActiveCore.start({
      barrier,
      registry: options.registry,
      metrics: new CofferMetrics({ collectProcessMetrics: false }),
      logger,
      clock,
      defaultLeaseTtlSeconds: options.defaultLeaseTtlSeconds ?? defaultTtlSeconds,
      maxLeaseTtlSeconds: options.maxLeaseTtlSeconds ?? defaultTtlSeconds,
      version: "0.0.0-test",
      lifecycle: { seal: async () => {}, stepDown: async () => {} },
      renderMetrics: async () => ({ contentType: "text/plain", body: "" }),
      expirationTimers: manualTimers,
      ...(options.retry ? { revocationRetry: options.retry } : {}),
    });
    return new CoreHarness(active, { ...options, clock, rootKey }, logger);
  }

  /** Stops this core and starts a new one over the same storage, keys and clock (a restart). */
  async restart(): Promise<CoreHarness> {
    await this.active.stop();
    return CoreHarness.start({ ...this.options, logger: this.logger });
  }

  async stop(): Promise<void> {
    await this.active.stop();
  }

  /** A root token with a chosen id (as dev mode's -dev-root-token-id). */
  async rootToken(id = "root"): Promise<string> {
    return this.active.createRootToken(this.clock, id);
  }

  send(operation: Operation, path: string, options: SendOptions = {}): Promise<HandledRequest> {
    return this.active.pipeline.handle({
      id: newUuid(),
      operation,
      path,
      data: options.data ?? {},
      clientToken: options.token ?? "",
      headers: {},
      connection: { remoteAddress: options.remoteAddress ?? "127.0.0.1", remotePort: 50_000, tls: false },
      ...(options.wrapTtlSeconds === undefined ? {} : { wrapTtlSeconds: options.wrapTtlSeconds }),
    });
  }

  /** POST/PUT: `update` (the pipeline turns it into create when the target is new). */
  write(path: string, token: string, data: Record<string, unknown> = {}): Promise<HandledRequest> {
    return this.send("update", path, { token, data });
  }

  read(path: string, token: string, data: Record<string, unknown> = {}): Promise<HandledRequest> {
    return this.send("read", path, { token, data });
  }

  list(path: string, token: string): Promise<HandledRequest> {
    return this.send("list", path.endsWith("/") ? path : `${path}/`, { token });
  }

  /** A second barrier over the same storage and key, to read or damage state behind the core's back. */
  async rawBarrier(): Promise<AesGcmBarrier> {
    const barrier = new AesGcmBarrier({ backend: this.options.backend, clock: this.clock });
    await barrier.unseal(this.options.rootKey);
    return barrier;
  }

  /**
   * Every stored key and its decrypted value (through a second barrier
   * unsealed with the same key), to check what is (not) kept in storage.
   */
  async plaintextEntries(): Promise<Array<{ key: string; value: string }>> {
    const barrier = await this.rawBarrier();
    const entries: Array<{ key: string; value: string }> = [];
    for (const key of await collectKeys(barrier)) {
      // The keyring and seal entries are not barrier values; they hold no tokens.
      const value = await barrier.get(key).catch(() => undefined);
      if (value !== undefined) entries.push({ key, value: Buffer.from(value).toString("utf8") });
    }
    return entries;
  }

  /** Moves the clock and processes every lease now due. */
  async advance(milliseconds: number): Promise<void> {
    this.clock.advanceMs(milliseconds);
    await this.active.expiration.runDue();
  }
}
