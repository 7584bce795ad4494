/**
 * The seal's own corner of physical storage, reachable while sealed: its
 * plaintext configuration and the blobs it encrypts itself (the root key
 * under the unseal key or a KMS key). Every other key is refused, so this
 * door cannot be used to write around the barrier's encryption.
 */

import { CofferError } from "../lib/index.js";
import type { Backend } from "../physical/index.js";
import { isSealOwnedPath, type SealOwnedPath } from "./paths.js";

export type SealStorageOp =
  | { readonly type: "put"; readonly key: SealOwnedPath; readonly value: Uint8Array }
  | { readonly type: "delete"; readonly key: SealOwnedPath };

export interface SealStorage {
  get(key: SealOwnedPath): Promise<Uint8Array | undefined>;
  put(key: SealOwnedPath, value: Uint8Array): Promise<void>;
  delete(key: SealOwnedPath): Promise<void>;
  /** All or nothing, as one physical write (a rekey replaces config and stored key together). */
  transaction(ops: readonly SealStorageOp[]): Promise<void>;
}

export function checkSealOwned(key: string): void {
  if (!isSealOwnedPath(key)) throw new CofferError("internal", `storage key "${key}" is not the seal's`);
}

export class PhysicalSealStorage implements SealStorage {
  readonly #backend: Backend;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async get(key: SealOwnedPath): Promise<Uint8Array | undefined> {
    checkSealOwned(key);
    return await this.#backend.get(key);
  }

  async put(key: SealOwnedPath, value: Uint8Array): Promise<void> {
    checkSealOwned(key);
    return await this.#backend.put(key, value);
  }

  async delete(key: SealOwnedPath): Promise<void> {
    checkSealOwned(key);
    return await this.#backend.delete(key);
  }

  async transaction(ops: readonly SealStorageOp[]): Promise<void> {
    for (const op of ops) checkSealOwned(op.key);
    return await this.#backend.transaction(ops);
  }
}
