/**
 * An in-memory Storage for testing backends through the framework without a
 * barrier (DESIGN: "backends through the framework with an in-memory storage
 * view"). It reuses the physical list semantics so tests see what production sees.
 */
import type { Storage, StorageOp } from "./storage.js";

export class InmemStorage implements Storage {
  readonly #values = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.#values.get(key)?.slice();
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.#values.set(key, value.slice());
  }

  async delete(key: string): Promise<void> {
    this.#values.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    const children = new Set<string>();
    for (const key of this.#values.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf("/");
      children.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...children].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  async transaction(ops: readonly StorageOp[]): Promise<void> {
    for (const op of ops) {
      if (op.type === "put") this.#values.set(op.key, op.value.slice());
      else this.#values.delete(op.key);
    }
  }

  /** Every key, for tests that check what was (not) stored. */
  keys(): string[] {
    return [...this.#values.keys()].sort();
  }
}
