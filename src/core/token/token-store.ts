/**
 * The token store's storage model: create, look up, use and revoke tokens.
 * It works on the system view (`sys/`), Vault's layout under `token/`:
 *   token/salt                                  random HMAC key (32 bytes)
 *   token/id/<salted>                           TokenEntry JSON
 *   token/accessor/<salted accessor>            { saltedId, accessor }
 *   token/parent/<salted parent>/<salted child> empty marker for tree revocation
 * Sharing the system view with the expiration manager lets a token and its
 * lease be written in one transaction (`createOps`). A token and its indexes
 * are always written together, so a crash never leaves an accessor without
 * its token.
 */
import { createHmac, randomBytes } from "node:crypto";
import { type Clock, CofferError, KeyedMutex, randomBase62 } from "../../lib/index.js";
import { encodeJson, getJson, type Storage, type StorageOp } from "../../logical/index.js";
import type { ResolvedToken, TokenEntry } from "./token-entry.js";

export const serviceTokenPrefix = "hvs.";
/** Length of the random part of tokens and accessors (base62). */
export const tokenRandomLength = 24;

const prefix = "token/";
const idPrefix = `${prefix}id/`;
const accessorPrefix = `${prefix}accessor/`;
const parentPrefix = `${prefix}parent/`;

export interface TokenRevocationHooks {
  /** Revokes every lease issued to the token, and removes the token's own lease (the expiration manager). */
  revokeLeasesOf(entry: TokenEntry): Promise<void>;
  /** Destroys the token's cubbyhole. */
  destroyCubbyhole(cubbyholeId: string): Promise<void>;
}

/** The accessor index as stored: the accessor itself is not secret (sudo may list them). */
export interface AccessorIndex {
  readonly saltedId: string;
  readonly accessor: string;
}

export class TokenStore {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #salt: Buffer;
  /** Serializes read-modify-write of one token entry (use counts, renewals). */
  readonly #entryLocks = new KeyedMutex();
  #hooks: TokenRevocationHooks | undefined;

  private constructor(storage: Storage, clock: Clock, salt: Buffer) {
    this.#storage = storage;
    this.#clock = clock;
    this.#salt = salt;
  }

  /** Opens the store over the system view, creating its salt on first use. */
  static async open(systemStorage: Storage, clock: Clock): Promise<TokenStore> {
    let salt = await systemStorage.get(`${prefix}salt`);
    if (salt === undefined) {
      salt = randomBytes(32);
      await systemStorage.put(`${prefix}salt`, salt);
    }
    return new TokenStore(systemStorage, clock, Buffer.from(salt));
  }

  setRevocationHooks(hooks: TokenRevocationHooks): void {
    this.#hooks = hooks;
  }

  saltId(token: string): string {
    return `h${createHmac("sha256", this.#salt).update(token).digest("hex")}`;
  }

  /** A fresh token string in Vault's service-token shape (`hvs.` + 24 base62). */
  static newToken(): string {
    return `${serviceTokenPrefix}${randomBase62(tokenRandomLength)}`;
  }

  static newAccessor(): string {
    return randomBase62(tokenRandomLength);
  }

  /**
   * The writes that persist a new token (entry, accessor index, parent
   * index), for the caller to commit, alone or with the token's lease.
   * `token` is the secret string handed to the client: never stored.
   */
  async createOps(
    token: string,
    entry: Omit<TokenEntry, "saltedId">,
  ): Promise<{ entry: TokenEntry; ops: StorageOp[] }> {
    const saltedId = this.saltId(token);
    if (await this.#storage.get(idPrefix + saltedId)) {
      throw new CofferError("invalid_request", "cannot create a token with a duplicate ID");
    }
    const stored: TokenEntry = { ...entry, saltedId };
    const index: AccessorIndex = { saltedId, accessor: entry.accessor };
    const ops: StorageOp[] = [
      this.entryOp(stored),
      { type: "put", key: accessorPrefix + this.saltId(entry.accessor), value: encodeJson(index) },
    ];
    if (entry.parentSaltedId !== "") {
      ops.push({ type: "put", key: `${parentPrefix}${entry.parentSaltedId}/${saltedId}`, value: new Uint8Array() });
    }
    return { entry: stored, ops };
  }

  /** Persists a new token without a lease (root tokens). */
  async create(token: string, entry: Omit<TokenEntry, "saltedId">): Promise<TokenEntry> {
    const { entry: stored, ops } = await this.createOps(token, entry);
    await this.#storage.transaction(ops);
    return stored;
  }

  /** The write that stores `entry` as it is. */
  entryOp(entry: TokenEntry): StorageOp {
    return { type: "put", key: idPrefix + entry.saltedId, value: encodeJson(entry) };
  }

  /** The live entry for a token string, or undefined (unknown, expired, or revocation pending). */
  async lookup(token: string): Promise<ResolvedToken | undefined> {
    if (token === "") return undefined;
    const entry = await this.lookupSalted(this.saltId(token));
    return entry ? { token, entry } : undefined;
  }

  /** Like lookup, but also returns a token whose last use is in progress (num_uses -1), as Vault's lookupTainted. */
  async lookupTainted(token: string): Promise<ResolvedToken | undefined> {
    if (token === "") return undefined;
    const entry = await this.loadSalted(this.saltId(token));
    if (!entry || this.#expired(entry)) return undefined;
    return { token, entry };
  }

  async lookupSalted(saltedId: string): Promise<TokenEntry | undefined> {
    const entry = await this.loadSalted(saltedId);
    if (!entry || entry.numUses === -1 || this.#expired(entry)) return undefined;
    return entry;
  }

  /** The stored entry whatever its state (tidy, revocation). */
  loadSalted(saltedId: string): Promise<TokenEntry | undefined> {
    return getJson<TokenEntry>(this.#storage, idPrefix + saltedId);
  }

  async accessorIndex(accessor: string): Promise<AccessorIndex | undefined> {
    if (accessor === "") return undefined;
    return getJson<AccessorIndex>(this.#storage, accessorPrefix + this.saltId(accessor));
  }

  async lookupByAccessor(accessor: string): Promise<TokenEntry | undefined> {
    const index = await this.accessorIndex(accessor);
    return index ? this.lookupSalted(index.saltedId) : undefined;
  }

  async update(entry: TokenEntry): Promise<void> {
    await this.#storage.transaction([this.entryOp(entry)]);
  }

  /** Runs `section` with the token's entry lock held (for read-modify-write of the entry). */
  runLocked<T>(saltedId: string, section: () => Promise<T>): Promise<T> {
    return this.#entryLocks.runExclusive(saltedId, section);
  }

  /**
   * Spends one use of a limited-use token before its request runs. Returns
   * the entry as it now stands (`numUses === -1`: this was the last use and
   * the caller must revoke the token once the request is done), or undefined
   * when the token was revoked or used up meanwhile.
   */
  async useToken(entry: TokenEntry): Promise<TokenEntry | undefined> {
    if (entry.numUses === 0) return entry;
    return this.runLocked(entry.saltedId, async () => {
      const current = await this.lookupSalted(entry.saltedId);
      if (!current) return undefined;
      if (current.numUses === 0) return current;
      const next: TokenEntry = { ...current, numUses: current.numUses === 1 ? -1 : current.numUses - 1 };
      await this.update(next);
      return next;
    });
  }

  /** Revokes a token and its whole subtree, leaves first (Vault's revokeTree). */
  async revokeTree(saltedId: string): Promise<void> {
    for (const child of await this.#storage.list(`${parentPrefix}${saltedId}/`)) {
      await this.revokeTree(child.replace(/\/$/, ""));
    }
    await this.#revokeOne(saltedId);
  }

  /** Revokes only this token; its children become orphans (Vault's revoke-orphan). */
  async revokeOrphan(saltedId: string): Promise<void> {
    for (const child of await this.#storage.list(`${parentPrefix}${saltedId}/`)) {
      await this.runLocked(child, async () => {
        const childEntry = await this.loadSalted(child);
        const ops: StorageOp[] = [{ type: "delete", key: `${parentPrefix}${saltedId}/${child}` }];
        if (childEntry) ops.push(this.entryOp({ ...childEntry, parentSaltedId: "" }));
        await this.#storage.transaction(ops);
      });
    }
    await this.#revokeOne(saltedId);
  }

  async #revokeOne(saltedId: string): Promise<void> {
    const entry = await this.loadSalted(saltedId);
    if (!entry) return;
    // Mark first: the token stops working even if the cleanup below fails half-way.
    if (entry.numUses !== -1) {
      await this.runLocked(saltedId, async () => {
        const current = await this.loadSalted(saltedId);
        if (current && current.numUses !== -1) await this.update({ ...current, numUses: -1 });
      });
    }
    if (this.#hooks) {
      await this.#hooks.revokeLeasesOf(entry);
      await this.#hooks.destroyCubbyhole(entry.cubbyholeId);
    }
    const ops: StorageOp[] = [
      { type: "delete", key: idPrefix + saltedId },
      { type: "delete", key: accessorPrefix + this.saltId(entry.accessor) },
    ];
    if (entry.parentSaltedId !== "") {
      ops.push({ type: "delete", key: `${parentPrefix}${entry.parentSaltedId}/${saltedId}` });
    }
    await this.#storage.transaction(ops);
  }

  #expired(entry: TokenEntry): boolean {
    return entry.expireTimeMs !== 0 && entry.expireTimeMs <= this.#clock.nowMs();
  }

  /** Salted ids of every stored token (tidy, tests). */
  async listSaltedIds(): Promise<string[]> {
    return this.#storage.list(idPrefix);
  }

  /** Salted accessors of the accessor index. */
  async listSaltedAccessors(): Promise<string[]> {
    return (await this.#storage.list(accessorPrefix)).filter((key) => !key.endsWith("/"));
  }

  async accessorIndexBySalted(saltedAccessor: string): Promise<AccessorIndex | undefined> {
    return getJson<AccessorIndex>(this.#storage, accessorPrefix + saltedAccessor);
  }

  async deleteAccessorIndex(saltedAccessor: string): Promise<void> {
    await this.#storage.delete(accessorPrefix + saltedAccessor);
  }

  /** Salted ids of tokens that have (or had) children. */
  async listParents(): Promise<string[]> {
    return (await this.#storage.list(parentPrefix)).map((key) => key.replace(/\/$/, ""));
  }

  async listChildren(parentSaltedId: string): Promise<string[]> {
    return this.#storage.list(`${parentPrefix}${parentSaltedId}/`);
  }

  async deleteParentIndex(parentSaltedId: string, childSaltedId: string): Promise<void> {
    await this.#storage.delete(`${parentPrefix}${parentSaltedId}/${childSaltedId}`);
  }
}
