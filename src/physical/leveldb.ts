/**
 * `storage "file" { path = "..." }`: a single-node backend on an embedded
 * LevelDB. Every write is synced before it resolves: an acknowledged write
 * survives kill -9 and power loss. Keys are UTF-8 bytes, so iteration order is
 * byte order, the same order `InmemBackend.list` gives.
 */
import { Level } from "level";
import type { Backend, TransactionOp } from "./backend.js";
import { ClosedError, checkKey, checkTransaction, checkValue, childOf } from "./validate.js";

const syncWrite = { sync: true } as const;

export interface LevelDbBackendOptions {
  /** Directory of the LevelDB database; created if missing. */
  readonly path: string;
}

export class LevelDbBackend implements Backend {
  readonly #db: Level<string, Uint8Array>;
  #closed = false;

  private constructor(db: Level<string, Uint8Array>) {
    this.#db = db;
  }

  static async open(options: LevelDbBackendOptions): Promise<LevelDbBackend> {
    const db = new Level<string, Uint8Array>(options.path, { keyEncoding: "utf8", valueEncoding: "view" });
    await db.open();
    return new LevelDbBackend(db);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    checkKey(key);
    return (await this.#db.get(key)) ?? undefined;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.#checkOpen();
    checkKey(key);
    checkValue(value);
    await this.#db.put(key, value, syncWrite);
  }

  async delete(key: string): Promise<void> {
    this.#checkOpen();
    checkKey(key);
    await this.#db.del(key, syncWrite);
  }

  async list(prefix: string): Promise<string[]> {
    this.#checkOpen();
    const children: string[] = [];
    // Skip-scan: after a sub-tree "dir/" is seen, seek past all of it ("dir0"
    // sorts right after every "dir/..." because '0' follows '/'), so listing
    // a directory costs one step per child, not per descendant.
    const iterator = this.#db.keys(prefix === "" ? {} : { gte: prefix });
    try {
      for (;;) {
        const key = await iterator.next();
        if (key === undefined || !key.startsWith(prefix)) break;
        const child = childOf(prefix, key);
        children.push(child);
        if (child.endsWith("/")) iterator.seek(`${prefix}${child.slice(0, -1)}0`);
      }
    } finally {
      await iterator.close();
    }
    return children;
  }

  async transaction(ops: readonly TransactionOp[]): Promise<void> {
    this.#checkOpen();
    checkTransaction(ops);
    if (ops.length === 0) return;
    const batch = ops.map((op) =>
      op.type === "put"
        ? { type: "put" as const, key: op.key, value: op.value }
        : { type: "del" as const, key: op.key },
    );
    await this.#db.batch(batch, syncWrite);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError();
  }
}
