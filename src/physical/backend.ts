/**
 * The physical storage contract. Every byte Coffer keeps goes through a
 * Backend, so that swapping the single-node LevelDB store for the Raft-backed
 * one replicates everything. Values are opaque here: above this layer the
 * barrier encrypts them, so a backend only ever sees ciphertext (except the
 * seal configuration).
 *
 * Keys are `/`-separated paths (`logical/<uuid>/foo`). `list(prefix)` answers
 * like Vault's physical.List: the immediate children of `prefix`, where a child
 * that has children of its own is returned once, with a trailing `/`.
 */
export type TransactionOp =
  | { readonly type: "put"; readonly key: string; readonly value: Uint8Array }
  | { readonly type: "delete"; readonly key: string };

export interface Backend {
  /** The stored value, or undefined. The returned bytes are the caller's to keep. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores a copy of `value`. Resolves once the write is durable (and, for Raft, committed). */
  put(key: string, value: Uint8Array): Promise<void>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Immediate children of `prefix` in lexicographic (byte) order; sub-trees end with `/`. */
  list(prefix: string): Promise<string[]>;
  /** Applies every operation or none, in order, as one durable write. */
  transaction(ops: readonly TransactionOp[]): Promise<void>;
  /** Releases resources; idempotent. Calls after close reject. */
  close(): Promise<void>;
}
