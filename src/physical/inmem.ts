/**
 * `storage "inmem"`: the dev-mode backend. Keys are kept in a sorted array
 * beside the map so `list` is a binary search plus a walk over the prefix,
 * not a sort of everything. Values are copied in and out: a caller mutating
 * its buffer must never change what is stored.
 */
import type { Backend, TransactionOp } from "./backend.js";
import { ClosedError, checkKey, checkTransaction, checkValue, childOf } from "./validate.js";

export class InmemBackend implements Backend {
  readonly #values = new Map<string, Uint8Array>();
  readonly #sortedKeys: string[] = [];
  #closed = false;

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    checkKey(key);
    const value = this.#values.get(key);
    return value === undefined ? undefined : value.slice();
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.#checkOpen();
    checkKey(key);
    checkValue(value);
    this.#putNow(key, value);
  }

  async delete(key: string): Promise<void> {
    this.#checkOpen();
    checkKey(key);
    this.#deleteNow(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.#checkOpen();
    const children: string[] = [];
    for (let i = this.#lowerBound(prefix); i < this.#sortedKeys.length; i++) {
      const key = this.#sortedKeys[i] as string;
      if (!key.startsWith(prefix)) break;
      const child = childOf(prefix, key);
      if (children[children.length - 1] !== child) children.push(child);
    }
    return children;
  }

  async transaction(ops: readonly TransactionOp[]): Promise<void> {
    this.#checkOpen();
    checkTransaction(ops);
    // Everything was validated above, so applying cannot fail half-way.
    for (const op of ops) {
      if (op.type === "put") this.#putNow(op.key, op.value);
      else this.#deleteNow(op.key);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #putNow(key: string, value: Uint8Array): void {
    if (!this.#values.has(key)) this.#sortedKeys.splice(this.#lowerBound(key), 0, key);
    this.#values.set(key, value.slice());
  }

  #deleteNow(key: string): void {
    if (!this.#values.delete(key)) return;
    this.#sortedKeys.splice(this.#lowerBound(key), 1);
  }

  /** Index of the first key >= `target` (JS string order equals UTF-16 order; see `compareKeys`). */
  #lowerBound(target: string): number {
    let low = 0;
    let high = this.#sortedKeys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareKeys(this.#sortedKeys[middle] as string, target) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError();
  }
}

/** Byte order of the UTF-8 encodings, which LevelDB uses; all backends must list in the same order. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
