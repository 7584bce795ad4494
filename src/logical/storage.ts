/**
 * What a backend sees of storage: a view already confined to its own prefix
 * (`logical/<mount-uuid>/` for an engine) and already encrypted by the
 * barrier. Keys are relative to the view. Semantics match physical.Backend:
 * `list` gives immediate children, sub-trees with a trailing `/`.
 */
import { CofferError } from "../lib/index.js";

export type StorageOp =
  | { readonly type: "put"; readonly key: string; readonly value: Uint8Array }
  | { readonly type: "delete"; readonly key: string };

export interface Storage {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  /** All operations or none, as one write (one Raft entry when clustered). */
  transaction(ops: readonly StorageOp[]): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Reads a JSON value stored with `putJson`; undefined when the key is missing. */
export async function getJson<T>(storage: Storage, key: string): Promise<T | undefined> {
  const raw = await storage.get(key);
  return raw === undefined ? undefined : (JSON.parse(decoder.decode(raw)) as T);
}

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export async function putJson(storage: Storage, key: string, value: unknown): Promise<void> {
  await storage.put(key, encodeJson(value));
}

/**
 * A view of `storage` under `prefix` (which must end in `/`): the way the core
 * gives each mount its own corner of the barrier.
 */
export class PrefixedStorage implements Storage {
  readonly #inner: Storage;
  readonly #prefix: string;

  constructor(inner: Storage, prefix: string) {
    if (!prefix.endsWith("/")) throw new Error(`storage view prefix must end in "/": ${prefix}`);
    this.#inner = inner;
    this.#prefix = prefix;
  }

  get prefix(): string {
    return this.#prefix;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#inner.get(this.#key(key));
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.#inner.put(this.#key(key), value);
  }

  delete(key: string): Promise<void> {
    return this.#inner.delete(this.#key(key));
  }

  list(prefix: string): Promise<string[]> {
    return this.#inner.list(this.#prefix + prefix);
  }

  transaction(ops: readonly StorageOp[]): Promise<void> {
    return this.#inner.transaction(ops.map((op) => ({ ...op, key: this.#key(op.key) })));
  }

  /** An empty relative key would address the view's own prefix, which is never a value. */
  #key(key: string): string {
    if (key === "") throw new CofferError("invalid_request", "storage key must be a non-empty string");
    return this.#prefix + key;
  }
}

/** Lists every key below `prefix`, depth first (Vault's logical.CollectKeys). */
export async function collectKeys(storage: Storage, prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  for (const child of await storage.list(prefix)) {
    if (child.endsWith("/")) keys.push(...(await collectKeys(storage, prefix + child)));
    else keys.push(prefix + child);
  }
  return keys;
}

/** Deletes every key below `prefix` (used when a mount is disabled or a token's cubbyhole destroyed). */
export async function clearPrefix(storage: Storage, prefix = ""): Promise<void> {
  for (const key of await collectKeys(storage, prefix)) await storage.delete(key);
}
