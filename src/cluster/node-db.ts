/**
 * A node's one LevelDB database (see keys.ts for why one) and the write
 * batch every store stages into. A `WriteBatch` is written with one
 * `db.batch()` call, which LevelDB records as one write-ahead-log record: it
 * is applied whole or not at all after a crash, so a torn batch is impossible
 * by construction. Stores register `onWritten` callbacks to update their
 * in-memory mirrors only once the batch is on disk.
 */
import { Level } from "level";
import { CofferError } from "../lib/index.js";
import type { KeyRange } from "./keys.js";

export type BatchOperation =
  | { readonly type: "put"; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: "del"; readonly key: Uint8Array };

export class WriteBatch {
  readonly #operations: BatchOperation[] = [];
  readonly #afterWrite: (() => void)[] = [];
  #bytes = 0;

  put(key: Uint8Array, value: Uint8Array): void {
    this.#operations.push({ type: "put", key, value });
    this.#bytes += key.byteLength + value.byteLength;
  }

  del(key: Uint8Array): void {
    this.#operations.push({ type: "del", key });
    this.#bytes += key.byteLength;
  }

  /** Runs after the batch is written, in registration order. Must not throw. */
  onWritten(callback: () => void): void {
    this.#afterWrite.push(callback);
  }

  get operations(): readonly BatchOperation[] {
    return this.#operations;
  }

  /** Approximate payload size, for metrics and batching decisions. */
  get bytes(): number {
    return this.#bytes;
  }

  get isEmpty(): boolean {
    return this.#operations.length === 0 && this.#afterWrite.length === 0;
  }

  /** @internal called by NodeDatabase once the write succeeded. */
  runAfterWrite(): void {
    for (const callback of this.#afterWrite) callback();
  }
}

export interface WriteOptions {
  /** fsync before resolving; an unsynced write survives a process crash, not power loss. */
  readonly sync: boolean;
}

export interface ReadOptions {
  readonly snapshot?: DatabaseSnapshot;
}

/** A consistent point-in-time view for several reads; close it when done. */
export interface DatabaseSnapshot {
  close(): Promise<void>;
}

type Db = Level<Uint8Array, Uint8Array>;

export class NodeDatabase {
  readonly #db: Db;
  #closed = false;
  /** Counts synced writes: the driver reports entries per fsync from it. */
  #syncedWrites = 0;

  private constructor(db: Db) {
    this.#db = db;
  }

  static async open(path: string): Promise<NodeDatabase> {
    const db: Db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: "view", valueEncoding: "view" });
    try {
      await db.open();
    } catch (error) {
      throw new CofferError("internal", `cannot open the node database at ${path}`, { cause: error });
    }
    return new NodeDatabase(db);
  }

  async write(batch: WriteBatch, options: WriteOptions): Promise<void> {
    this.#checkOpen();
    if (batch.operations.length > 0) {
      // A chained batch is still written as one record; it costs several times less
      // main-thread time than the array form (measured: ~0.15 vs ~1 ms for 32 puts).
      const chained = this.#db.batch();
      for (const operation of batch.operations) {
        if (operation.type === "put") chained.put(operation.key, operation.value);
        else chained.del(operation.key);
      }
      await chained.write({ sync: options.sync });
      if (options.sync) this.#syncedWrites += 1;
    }
    batch.runAfterWrite();
  }

  async get(key: Uint8Array, options: ReadOptions = {}): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    const value = await this.#db.get(key, options.snapshot ? { snapshot: this.#native(options.snapshot) } : {});
    return value ?? undefined;
  }

  /** A synchronous point read (a few microseconds), for the Raft core's synchronous log reads. */
  getSync(key: Uint8Array): Uint8Array | undefined {
    this.#checkOpen();
    return this.#db.getSync(key) ?? undefined;
  }

  /** Iterates a key range in byte order; the iterator reads from a consistent snapshot. */
  iterate(range: KeyRange, options: ReadOptions = {}): RangeIterator {
    this.#checkOpen();
    const iterator = this.#db.iterator({
      gte: range.gte,
      lt: range.lt,
      ...(options.snapshot ? { snapshot: this.#native(options.snapshot) } : {}),
    });
    return {
      next: async () => {
        const item = await iterator.next();
        return item === undefined ? undefined : { key: item[0], value: item[1] };
      },
      nextMany: async (count) => (await iterator.nextv(count)).map(([key, value]) => ({ key, value })),
      seek: (target) => iterator.seek(target),
      close: () => iterator.close(),
    };
  }

  /** Keys only, for listing without reading values. */
  iterateKeys(range: KeyRange): KeyIterator {
    this.#checkOpen();
    const iterator = this.#db.keys({ gte: range.gte, lt: range.lt });
    return {
      next: async () => (await iterator.next()) ?? undefined,
      seek: (target) => iterator.seek(target),
      close: () => iterator.close(),
    };
  }

  snapshot(): DatabaseSnapshot {
    this.#checkOpen();
    return this.#db.snapshot();
  }

  /** Deletes a range in several internal batches: not atomic, use only for unreachable keys. */
  async clear(range: KeyRange): Promise<void> {
    this.#checkOpen();
    await this.#db.clear({ gte: range.gte, lt: range.lt });
  }

  get syncedWrites(): number {
    return this.#syncedWrites;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #native(snapshot: DatabaseSnapshot): ReturnType<Db["snapshot"]> {
    // Only snapshots this class handed out reach here.
    return snapshot as ReturnType<Db["snapshot"]>;
  }

  #checkOpen(): void {
    if (this.#closed) throw new CofferError("unavailable", "node database is closed");
  }
}

export interface RangeIterator {
  next(): Promise<{ key: Uint8Array; value: Uint8Array } | undefined>;
  nextMany(count: number): Promise<{ key: Uint8Array; value: Uint8Array }[]>;
  seek(target: Uint8Array): void;
  close(): Promise<void>;
}

export interface KeyIterator {
  next(): Promise<Uint8Array | undefined>;
  seek(target: Uint8Array): void;
  close(): Promise<void>;
}
