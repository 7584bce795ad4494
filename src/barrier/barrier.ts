/**
 * The security barrier (Vault's AESGCMBarrier, our own code): a Storage over
 * a physical Backend that encrypts every value with the active keyring term
 * (see envelope.ts for the format), keeps the keyring encrypted under the
 * root key at `core/keyring`, and refuses everything while sealed.
 *
 * Invariants:
 * - A value is only ever encrypted under a term that is already durable in
 *   the stored keyring: rotate() installs the new term in memory only after
 *   the keyring write has resolved, and a write takes its key from the
 *   installed snapshot synchronously, just before its own physical write.
 * - Keys are taken from a snapshot and used synchronously, so seal() (which
 *   zeroes them) can never interleave with an encryption or decryption.
 * - Lifecycle changes (initialize, unseal, rotate, reloadKeyring) run one at
 *   a time; seal() is synchronous and wins over any of them in flight (they
 *   notice through `#generation` and give up with the sealed error).
 */
import { randomBytes } from "node:crypto";
import { type Clock, CofferError, Mutex, sealedError, systemClock } from "../lib/index.js";
import type { Storage, StorageOp } from "../logical/index.js";
import { type Backend, checkKey, checkTransaction, checkValue, type TransactionOp } from "../physical/index.js";
import { encryptWithDerivedKey } from "./derived.js";
import {
  BarrierDecryptError,
  decryptValue,
  directKeyTerm,
  encryptValue,
  isBarrierDecryptError,
  keyBytes,
  readTerm,
} from "./envelope.js";
import { alreadyInitializedError, invalidKeyError, notInitializedError, reservedPathError } from "./errors.js";
import { Keyring } from "./keyring.js";
import { isReservedPath, keyringPath } from "./paths.js";
import { checkSealOwned, PhysicalSealStorage, type SealStorage, type SealStorageOp } from "./seal-storage.js";

export interface AesGcmBarrierOptions {
  readonly backend: Backend;
  /** Install times of keyring terms; the system clock unless a test moves time by hand. */
  readonly clock?: Clock;
}

export interface InitializeOptions {
  /** Written in the same physical transaction as the keyring, so init is all or nothing. */
  readonly sealOps?: readonly SealStorageOp[];
}

/** Vault's `sys/key-status` fields. */
export interface KeyStatus {
  readonly term: number;
  /** RFC 3339, UTC. */
  readonly installTime: string;
  /** Values encrypted under the active term (persisted at the last keyring write, counted in memory since). */
  readonly encryptions: number;
}

interface Unsealed {
  /** Owned by the barrier (a copy); zeroed on seal. */
  readonly rootKey: Buffer;
  readonly keyring: Keyring;
}

export class AesGcmBarrier implements Storage {
  /** The seal's plaintext config and self-encrypted blobs; usable while sealed. */
  readonly sealStorage: SealStorage;
  readonly #backend: Backend;
  readonly #clock: Clock;
  readonly #lifecycle = new Mutex();
  #unsealed: Unsealed | undefined;
  /** Bumped by every seal(), so a lifecycle operation in flight can tell it was overtaken. */
  #generation = 0;
  /** The reload triggered by reads that met a newer term; concurrent such reads share it. */
  #readTriggeredReload: Promise<void> | undefined;

  constructor(options: AesGcmBarrierOptions) {
    this.#backend = options.backend;
    this.#clock = options.clock ?? systemClock;
    this.sealStorage = new PhysicalSealStorage(options.backend);
  }

  /** Whether a keyring has been stored (readable while sealed). */
  async initialized(): Promise<boolean> {
    return (await this.#backend.get(keyringPath)) !== undefined;
  }

  /**
   * Creates keyring term 1 and stores it under `rootKey` (32 bytes, not kept),
   * together with the seal's writes, in one physical transaction. Leaves the
   * barrier sealed. A second call is a 400 `Vault is already initialized`.
   */
  async initialize(rootKey: Uint8Array, options: InitializeOptions = {}): Promise<void> {
    checkRootKey(rootKey);
    const sealOps = options.sealOps ?? [];
    for (const op of sealOps) checkSealOwned(op.key);
    await this.#lifecycle.runExclusive(async () => {
      if (await this.initialized()) throw alreadyInitializedError();
      const firstKey = randomBytes(keyBytes);
      const keyring = Keyring.create(firstKey, this.#clock.nowMs());
      firstKey.fill(0);
      const keyringOp: TransactionOp = { type: "put", key: keyringPath, value: sealKeyring(keyring, rootKey) };
      keyring.wipe();
      await this.#backend.transaction([...sealOps, keyringOp]);
    });
  }

  /**
   * Opens the stored keyring with `rootKey` (copied and kept until seal()).
   * A key that does not open it is a 400 `Unseal failed, invalid key` and the
   * barrier stays sealed. Unsealing an unsealed barrier does nothing (as Vault).
   */
  async unseal(rootKey: Uint8Array): Promise<void> {
    checkRootKey(rootKey);
    await this.#lifecycle.runExclusive(async () => {
      if (this.#unsealed !== undefined) return;
      const generation = this.#generation;
      const stored = await this.#readStoredKeyring();
      this.#checkNotOvertaken(generation);
      const keyring = openKeyring(stored, rootKey);
      const ownRootKey = Buffer.alloc(keyBytes);
      ownRootKey.set(rootKey);
      this.#unsealed = { rootKey: ownRootKey, keyring };
    });
  }

  /**
   * Forgets and zeroes every key; idempotent. Reads in flight fail with the
   * sealed error; a write already encrypted still lands (it holds ciphertext only).
   */
  seal(): void {
    this.#generation++;
    const unsealed = this.#unsealed;
    this.#unsealed = undefined;
    if (unsealed === undefined) return;
    unsealed.keyring.wipe();
    unsealed.rootKey.fill(0);
  }

  sealed(): boolean {
    return this.#unsealed === undefined;
  }

  /**
   * Adds a keyring term (Vault's `sys/rotate`) and makes it the one new writes
   * use, once the keyring holding it is durable. Old terms keep opening old values.
   */
  async rotate(): Promise<KeyStatus> {
    return this.#lifecycle.runExclusive(async () => {
      const current = this.#requireUnsealed();
      const generation = this.#generation;
      const newKey = randomBytes(keyBytes);
      const next = current.keyring.withNewTerm(newKey, this.#clock.nowMs());
      newKey.fill(0);
      try {
        await this.#backend.put(keyringPath, sealKeyring(next, current.rootKey));
        this.#checkNotOvertaken(generation);
      } catch (error) {
        // Only the new term is next's own; the older ones are shared with `current`.
        next.active.key.fill(0);
        throw error;
      }
      this.#unsealed = { rootKey: current.rootKey, keyring: next };
      return this.keyStatus();
    });
  }

  /**
   * Encrypts under a key derived from the root key (the Raft join challenge:
   * only a holder of the unseal keys can open it). Unsealed only.
   */
  encryptWithDerivedRootKey(purpose: string, aad: string, plaintext: Uint8Array): Uint8Array {
    return encryptWithDerivedKey(this.#requireUnsealed().rootKey, purpose, aad, plaintext);
  }

  /** Vault's `sys/key-status`. */
  keyStatus(): KeyStatus {
    const { active } = this.#requireUnsealed().keyring;
    return {
      term: active.term,
      installTime: new Date(active.installTimeMs).toISOString(),
      encryptions: active.encryptions,
    };
  }

  /**
   * Re-reads the stored keyring (for an HA standby after the active rotated;
   * a read that meets a term newer than the local keyring also calls it).
   */
  async reloadKeyring(): Promise<void> {
    await this.#lifecycle.runExclusive(async () => {
      const current = this.#requireUnsealed();
      const generation = this.#generation;
      const stored = await this.#readStoredKeyring();
      this.#checkNotOvertaken(generation);
      const loaded = openKeyring(stored, current.rootKey);
      loaded.keepCountsOf(current.keyring);
      this.#unsealed = { rootKey: current.rootKey, keyring: loaded };
      // Safe: keys are only used synchronously after taking a snapshot, so nothing still holds the old one.
      current.keyring.wipe();
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#requireUnsealed();
    checkStorageKey(key);
    const stored = await this.#backend.get(key);
    if (stored === undefined) return undefined;
    return this.#open(key, stored);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.#requireUnsealed();
    checkStorageKey(key);
    checkValue(value);
    await this.#backend.put(key, this.#encrypt(key, value));
  }

  async delete(key: string): Promise<void> {
    this.#requireUnsealed();
    checkStorageKey(key);
    await this.#backend.delete(key);
  }

  /** Keys are not encrypted (as in Vault), so listing needs no key, but it is still refused while sealed. */
  async list(prefix: string): Promise<string[]> {
    this.#requireUnsealed();
    return this.#backend.list(prefix);
  }

  /** Encrypts every put, then hands all operations to the backend as one atomic write. */
  async transaction(ops: readonly StorageOp[]): Promise<void> {
    this.#requireUnsealed();
    checkTransaction(ops);
    for (const op of ops) checkStorageKey(op.key);
    const encrypted = ops.map(
      (op): TransactionOp => (op.type === "put" ? { ...op, value: this.#encrypt(op.key, op.value) } : op),
    );
    await this.#backend.transaction(encrypted);
  }

  #encrypt(path: string, plaintext: Uint8Array): Uint8Array {
    const { active } = this.#requireUnsealed().keyring;
    const ciphertext = encryptValue({ key: active.key, term: active.term, path, plaintext });
    active.encryptions++;
    return ciphertext;
  }

  async #open(path: string, ciphertext: Uint8Array): Promise<Uint8Array> {
    // A term newer than ours means another node rotated: fetch its keyring once, then decide.
    if (readTerm(ciphertext, path) > this.#requireUnsealed().keyring.activeTerm) {
      this.#readTriggeredReload ??= this.reloadKeyring().finally(() => {
        this.#readTriggeredReload = undefined;
      });
      await this.#readTriggeredReload;
    }
    return this.#openNow(path, ciphertext);
  }

  #openNow(path: string, ciphertext: Uint8Array): Uint8Array {
    const termKey = this.#requireUnsealed().keyring.termKey(readTerm(ciphertext, path));
    if (termKey === undefined) throw new BarrierDecryptError("unknown_term", path);
    const plaintext = decryptValue({ key: termKey.key, path, ciphertext });
    // A plain Uint8Array the caller owns, rather than a Buffer that may sit in Node's shared pool.
    return new Uint8Array(plaintext);
  }

  async #readStoredKeyring(): Promise<Uint8Array> {
    const stored = await this.#backend.get(keyringPath);
    if (stored === undefined) throw notInitializedError();
    return stored;
  }

  #requireUnsealed(): Unsealed {
    if (this.#unsealed === undefined) throw sealedError();
    return this.#unsealed;
  }

  #checkNotOvertaken(generation: number): void {
    if (generation !== this.#generation) throw sealedError();
  }
}

function checkRootKey(rootKey: Uint8Array): void {
  if (!(rootKey instanceof Uint8Array) || rootKey.byteLength !== keyBytes) {
    throw new CofferError("internal", `the root key must be ${keyBytes} bytes`);
  }
}

function checkStorageKey(key: string): void {
  checkKey(key);
  if (isReservedPath(key)) throw reservedPathError(key);
  // A lone surrogate encodes as U+FFFD, so two such keys would share one AAD (and one LevelDB key).
  if (Buffer.from(key, "utf8").toString("utf8") !== key) {
    throw new CofferError("invalid_request", "storage key must be valid Unicode");
  }
}

/** The keyring's stored form, encrypted under the root key; the plaintext is zeroed here. */
function sealKeyring(keyring: Keyring, rootKey: Uint8Array): Uint8Array {
  const plaintext = keyring.encode();
  try {
    return encryptValue({ key: rootKey, term: directKeyTerm, path: keyringPath, plaintext });
  } finally {
    plaintext.fill(0);
  }
}

/** Decrypts and parses the stored keyring; a root key that does not open it is the invalid-key error. */
function openKeyring(stored: Uint8Array, rootKey: Uint8Array): Keyring {
  let plaintext: Buffer;
  try {
    if (readTerm(stored, keyringPath) !== directKeyTerm) throw new BarrierDecryptError("unknown_term", keyringPath);
    plaintext = decryptValue({ key: rootKey, path: keyringPath, ciphertext: stored });
  } catch (error) {
    if (isBarrierDecryptError(error) && error.reason === "authentication_failed")
      throw invalidKeyError({ cause: error });
    throw error;
  }
  try {
    return Keyring.decode(plaintext);
  } finally {
    plaintext.fill(0);
  }
}
