/**
 * The token store's storage model: create, look up, use and revoke tokens.
 * Layout under its view (`sys/token/`, Vault's):
 *   salt                      random HMAC key (32 bytes)
 *   id/<salted>               TokenEntry JSON
 *   accessor/<salted acc.>    { saltedId }
 *   parent/<salted parent>/<salted child>   empty marker for tree revocation
 * A token and its indexes are written in one transaction so a crash never
 * leaves an accessor without its token.
 */
import { createHmac, randomBytes } from "node:crypto";
import { type Clock, CofferError, randomBase62 } from "../../lib/index.js";
import { encodeJson, getJson, type Storage, type StorageOp } from "../../logical/index.js";
import type { ResolvedToken, TokenEntry } from "./token-entry.js";

export const serviceTokenPrefix = "hvs.";

export interface TokenRevocationHooks {
  /** Revokes every lease issued to the token (the expiration manager). */
  revokeLeasesOf(entry: TokenEntry): Promise<void>;
  /** Destroys the token's cubbyhole. */
  destroyCubbyhole(cubbyholeId: string): Promise<void>;
}

export class TokenStore {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #salt: Buffer;
  #hooks: TokenRevocationHooks | undefined;

  private constructor(storage: Storage, clock: Clock, salt: Buffer) {
    this.#storage = storage;
    this.#clock = clock;
    this.#salt = salt;
  }

  /** Opens the store, creating its salt on first use. */
  static async open(storage: Storage, clock: Clock): Promise<TokenStore> {
    let salt = await storage.get("salt");
    if (salt === undefined) {
      salt = randomBytes(32);
      await storage.put("salt", salt);
    }
    return new TokenStore(storage, clock, Buffer.from(salt));
  }

  setRevocationHooks(hooks: TokenRevocationHooks): void {
    this.#hooks = hooks;
  }

  saltId(token: string): string {
    return `h${createHmac("sha256", this.#salt).update(token).digest("hex")}`;
  }

  /** A fresh token string in Vault's service-token shape. */
  static newToken(): string {
    return `${serviceTokenPrefix}${randomBase62(24)}`;
  }

  /**
   * Persists a new token. `token` is the secret string handed to the client
   * (never stored); the entry's salted id and accessor must be unused.
   */
  async create(token: string, entry: Omit<TokenEntry, "saltedId">): Promise<TokenEntry> {
    const saltedId = this.saltId(token);
    if (await this.#storage.get(`id/${saltedId}`)) {
      throw new CofferError("invalid_request", "cannot create a token with a duplicate ID");
    }
    const stored: TokenEntry = { ...entry, saltedId };
    const ops: StorageOp[] = [
      { type: "put", key: `id/${saltedId}`, value: encodeJson(stored) },
      { type: "put", key: `accessor/${this.saltId(entry.accessor)}`, value: encodeJson({ saltedId }) },
    ];
    if (entry.parentSaltedId !== "") {
      ops.push({ type: "put", key: `parent/${entry.parentSaltedId}/${saltedId}`, value: new Uint8Array() });
    }
    await this.#storage.transaction(ops);
    return stored;
  }

  /** The live entry for a token string, or undefined (unknown, expired, or revocation pending). */
  async lookup(token: string): Promise<ResolvedToken | undefined> {
    if (token === "") return undefined;
    const entry = await this.lookupSalted(this.saltId(token));
    return entry ? { token, entry } : undefined;
  }

  async lookupSalted(saltedId: string): Promise<TokenEntry | undefined> {
    const entry = await getJson<TokenEntry>(this.#storage, `id/${saltedId}`);
    if (!entry || entry.numUses === -1) return undefined;
    if (entry.expireTimeMs !== 0 && entry.expireTimeMs <= this.#clock.nowMs()) return undefined;
    return entry;
  }

  async lookupByAccessor(accessor: string): Promise<TokenEntry | undefined> {
    if (accessor === "") return undefined;
    const index = await getJson<{ saltedId: string }>(this.#storage, `accessor/${this.saltId(accessor)}`);
    return index ? this.lookupSalted(index.saltedId) : undefined;
  }

  async update(entry: TokenEntry): Promise<void> {
    await this.#storage.put(`id/${entry.saltedId}`, encodeJson(entry));
  }

  /**
   * Spends one use of a limited-use token before its request runs. Returns
   * the entry as it now stands; `numUses === -1` means this was the last use
   * and the caller must revoke the token once the request is done.
   */
  async useToken(entry: TokenEntry): Promise<TokenEntry> {
    if (entry.numUses <= 0) return entry;
    const next: TokenEntry = { ...entry, numUses: entry.numUses === 1 ? -1 : entry.numUses - 1 };
    await this.update(next);
    return next;
  }

  /** Revokes a token and its whole subtree, leaves first (Vault's revokeTree). */
  async revokeTree(saltedId: string): Promise<void> {
    for (const child of await this.#storage.list(`parent/${saltedId}/`)) {
      await this.revokeTree(child.replace(/\/$/, ""));
    }
    await this.#revokeOne(saltedId);
  }

  /** Revokes only this token; its children become orphans (Vault's revoke-orphan). */
  async revokeOrphan(saltedId: string): Promise<void> {
    for (const child of await this.#storage.list(`parent/${saltedId}/`)) {
      const childEntry = await getJson<TokenEntry>(this.#storage, `id/${child}`);
      if (childEntry) await this.update({ ...childEntry, parentSaltedId: "" });
      await this.#storage.delete(`parent/${saltedId}/${child}`);
    }
    await this.#revokeOne(saltedId);
  }

  async #revokeOne(saltedId: string): Promise<void> {
    const entry = await getJson<TokenEntry>(this.#storage, `id/${saltedId}`);
    if (!entry) return;
    // Mark first: the token stops working even if the cleanup below fails half-way.
    if (entry.numUses !== -1) await this.update({ ...entry, numUses: -1 });
    if (this.#hooks) {
      await this.#hooks.revokeLeasesOf(entry);
      await this.#hooks.destroyCubbyhole(entry.cubbyholeId);
    }
    const ops: StorageOp[] = [
      { type: "delete", key: `id/${saltedId}` },
      { type: "delete", key: `accessor/${this.saltId(entry.accessor)}` },
    ];
    if (entry.parentSaltedId !== "") ops.push({ type: "delete", key: `parent/${entry.parentSaltedId}/${saltedId}` });
    await this.#storage.transaction(ops);
  }

  /** Salted ids of every stored token (tidy, tests). */
  async listSaltedIds(): Promise<string[]> {
    return this.#storage.list("id/");
  }
}
