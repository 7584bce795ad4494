/**
 * Persistence of lease entries and of the by-token index, on the system
 * view. Writes come out as operations so a lease is committed in the same
 * transaction as what it belongs to (a new token, a renewed token entry).
 */
import { collectKeys, encodeJson, getJson, type Storage, type StorageOp } from "../../logical/index.js";
import { type LeaseEntry, leaseKey, leasePrefix, tokenIndexKey, tokenIndexPrefix } from "./lease-entry.js";

interface IndexValue {
  readonly leaseId: string;
}

export class LeaseStore {
  readonly #storage: Storage;

  constructor(systemStorage: Storage) {
    this.#storage = systemStorage;
  }

  load(leaseId: string): Promise<LeaseEntry | undefined> {
    if (leaseId === "" || leaseId.endsWith("/")) return Promise.resolve(undefined);
    return getJson<LeaseEntry>(this.#storage, leaseKey(leaseId));
  }

  /** The entry and, for a secret issued to a token, its index entry. */
  putOps(lease: LeaseEntry): StorageOp[] {
    const ops: StorageOp[] = [{ type: "put", key: leaseKey(lease.leaseId), value: encodeJson(lease) }];
    if (lease.clientTokenSaltedId !== "") {
      const index: IndexValue = { leaseId: lease.leaseId };
      ops.push({
        type: "put",
        key: tokenIndexKey(lease.clientTokenSaltedId, lease.leaseId),
        value: encodeJson(index),
      });
    }
    return ops;
  }

  deleteOps(lease: Pick<LeaseEntry, "leaseId" | "clientTokenSaltedId">): StorageOp[] {
    const ops: StorageOp[] = [{ type: "delete", key: leaseKey(lease.leaseId) }];
    if (lease.clientTokenSaltedId !== "") {
      ops.push({ type: "delete", key: tokenIndexKey(lease.clientTokenSaltedId, lease.leaseId) });
    }
    return ops;
  }

  async commit(ops: readonly StorageOp[]): Promise<void> {
    if (ops.length > 0) await this.#storage.transaction(ops);
  }

  async put(lease: LeaseEntry): Promise<void> {
    await this.commit(this.putOps(lease));
  }

  async delete(lease: Pick<LeaseEntry, "leaseId" | "clientTokenSaltedId">): Promise<void> {
    await this.commit(this.deleteOps(lease));
  }

  /** Immediate children of a prefix of lease ids (`sys/leases/lookup/<prefix>` LIST). */
  list(prefix: string): Promise<string[]> {
    return this.#storage.list(leasePrefix + prefix);
  }

  /** Every lease id under a prefix ("" = all), depth first. */
  async collect(prefix = ""): Promise<string[]> {
    return (await collectKeys(this.#storage, leasePrefix + prefix)).map((key) => key.slice(leasePrefix.length));
  }

  /** Lease ids of the secrets issued to a token, from the index; index entries whose lease is gone included. */
  async leasesOfToken(tokenSaltedId: string): Promise<Array<{ leaseId: string; indexKey: string }>> {
    const folder = `${tokenIndexPrefix}${tokenSaltedId}/`;
    const found: Array<{ leaseId: string; indexKey: string }> = [];
    for (const name of await this.#storage.list(folder)) {
      if (name.endsWith("/")) continue;
      const value = await getJson<IndexValue>(this.#storage, folder + name);
      if (value) found.push({ leaseId: value.leaseId, indexKey: folder + name });
    }
    return found;
  }

  /** Salted ids of tokens that have index entries (tidy). */
  async indexedTokens(): Promise<string[]> {
    return (await this.#storage.list(tokenIndexPrefix)).map((key) => key.replace(/\/$/, ""));
  }

  async deleteKey(key: string): Promise<void> {
    await this.#storage.delete(key);
  }
}
