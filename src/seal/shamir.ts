/**
 * The Shamir seal: operators hold shares of the unseal key; the unseal key
 * wraps the root key at `core/hsm/barrier-unseal-keys`. Secrets are zeroed
 * as soon as they are no longer needed (best effort: the hex and base64
 * strings handed back by init cannot be).
 */
import { randomBytes } from "node:crypto";
import {
  type AesGcmBarrier,
  alreadyInitializedError,
  decryptValue,
  directKeyTerm,
  encryptValue,
  invalidKeyError,
  isBarrierDecryptError,
  notInitializedError,
  sealConfigPath,
  storedBarrierKeysPath,
} from "../barrier/index.js";
import { CofferError, invalidRequest, Mutex } from "../lib/index.js";
import { ShareCollector } from "./collector.js";
import { decodeSealConfig, encodeSealConfig, type SealConfig, validateShareCounts } from "./config.js";
import type { Seal, SealInitOptions, SealInitResult, SealStatus } from "./seal.js";
import { checkKeyShareLength, combineKeyShares, decodeKeyShare, splitUnsealKey, unsealKeyBytes } from "./shares.js";

export interface ShamirSealOptions {
  readonly barrier: AesGcmBarrier;
}

export class ShamirSeal implements Seal {
  readonly type = "shamir";
  readonly recoverySeal = false;
  readonly #barrier: AesGcmBarrier;
  readonly #collector = new ShareCollector();
  /** Init and share submissions run one at a time, so two submissions cannot both complete an attempt. */
  readonly #mutex = new Mutex();

  constructor(options: ShamirSealOptions) {
    this.#barrier = options.barrier;
  }

  async isInitialized(): Promise<boolean> {
    return (await this.config()) !== undefined;
  }

  async config(): Promise<SealConfig | undefined> {
    const stored = await this.#barrier.sealStorage.get(sealConfigPath);
    return stored === undefined ? undefined : decodeSealConfig(stored);
  }

  async status(): Promise<SealStatus> {
    return this.#statusFrom(await this.config());
  }

  async initialize(options: SealInitOptions): Promise<SealInitResult> {
    refuseRecoveryOptions(options);
    const shares = options.secretShares ?? 0;
    const threshold = options.secretThreshold ?? 0;
    validateShareCounts(shares, threshold);
    return this.#mutex.runExclusive(async () => {
      if ((await this.isInitialized()) || (await this.#barrier.initialized())) throw alreadyInitializedError();
      const rootKey = randomBytes(unsealKeyBytes);
      const unsealKey = randomBytes(unsealKeyBytes);
      try {
        const parts = await splitUnsealKey(unsealKey, shares, threshold);
        await this.#barrier.initialize(rootKey, {
          sealOps: [
            { type: "put", key: sealConfigPath, value: encodeSealConfig(shamirConfig(shares, threshold)) },
            { type: "put", key: storedBarrierKeysPath, value: wrapRootKey(rootKey, unsealKey) },
          ],
        });
        await this.#barrier.unseal(rootKey);
        return encodeShares(parts);
      } finally {
        rootKey.fill(0);
        unsealKey.fill(0);
      }
    });
  }

  async submit(key: string | Uint8Array): Promise<SealStatus> {
    const part = typeof key === "string" ? decodeKeyShare(key) : Uint8Array.from(key);
    checkKeyShareLength(part);
    return this.#mutex.runExclusive(async () => {
      const config = await this.config();
      if (config === undefined) throw notInitializedError();
      if (!this.#barrier.sealed()) {
        part.fill(0);
        return this.#statusFrom(config);
      }
      this.#collector.add(part);
      if (this.#collector.progress >= config.secretThreshold) await this.#unsealWith(this.#collector.take());
      return this.#statusFrom(config);
    });
  }

  reset(): void {
    this.#collector.reset();
  }

  async unsealWithStoredKeys(): Promise<boolean> {
    return false;
  }

  seal(): void {
    this.#barrier.seal();
    this.#collector.reset();
  }

  /** Combines the parts (zeroing them), proves the result by unwrapping the root key, and unseals. */
  async #unsealWith(parts: Uint8Array[]): Promise<void> {
    let unsealKey: Uint8Array | undefined;
    let rootKey: Uint8Array | undefined;
    try {
      unsealKey = await combineKeyShares(parts);
      rootKey = await this.#unwrapRootKey(unsealKey);
      await this.#barrier.unseal(rootKey);
    } finally {
      for (const part of parts) part.fill(0);
      unsealKey?.fill(0);
      rootKey?.fill(0);
    }
  }

  async #unwrapRootKey(unsealKey: Uint8Array): Promise<Uint8Array> {
    const stored = await this.#barrier.sealStorage.get(storedBarrierKeysPath);
    if (stored === undefined) throw new CofferError("internal", "the stored root key is missing");
    return unwrapStoredRootKey(unsealKey, stored);
  }

  #statusFrom(config: SealConfig | undefined): SealStatus {
    const sealed = this.#barrier.sealed();
    return {
      type: this.type,
      initialized: config !== undefined,
      sealed,
      threshold: config?.secretThreshold ?? 0,
      shares: config?.secretShares ?? 0,
      progress: sealed ? this.#collector.progress : 0,
      nonce: sealed ? this.#collector.nonce : "",
      recoverySeal: false,
    };
  }
}

/** Opens a wrapped root key blob (`core/hsm/barrier-unseal-keys`) with the unseal key; wrong key: the invalid-key error. */
function unwrapStoredRootKey(unsealKey: Uint8Array, stored: Uint8Array): Uint8Array {
  let rootKey: Buffer;
  try {
    rootKey = decryptValue({ key: unsealKey, path: storedBarrierKeysPath, ciphertext: stored });
  } catch (error) {
    // GCM authentication is the check the Shamir library does not do: wrong shares fail here.
    if (isBarrierDecryptError(error) && error.reason === "authentication_failed")
      throw invalidKeyError({ cause: error });
    throw error;
  }
  if (rootKey.byteLength !== unsealKeyBytes) {
    rootKey.fill(0);
    throw new CofferError("internal", "the stored root key is corrupt");
  }
  return rootKey;
}

/**
 * For a node joining a cluster: combines `parts` (zeroing them) and opens the
 * cluster's wrapped root key, handed over in the join challenge, with the
 * result. Shares of other keys fail GCM authentication: the invalid-key error.
 * The caller owns (and must zero) the returned root key.
 */
export async function unwrapRootKeyWithShares(parts: Uint8Array[], wrappedRootKey: Uint8Array): Promise<Uint8Array> {
  let unsealKey: Uint8Array | undefined;
  try {
    unsealKey = await combineKeyShares(parts);
    return unwrapStoredRootKey(unsealKey, wrappedRootKey);
  } finally {
    for (const part of parts) part.fill(0);
    unsealKey?.fill(0);
  }
}

function shamirConfig(shares: number, threshold: number): SealConfig {
  return {
    type: "shamir",
    secretShares: shares,
    secretThreshold: threshold,
    pgpKeys: null,
    nonce: "",
    backup: false,
    storedShares: 1,
  };
}

function wrapRootKey(rootKey: Uint8Array, unsealKey: Uint8Array): Uint8Array {
  return encryptValue({ key: unsealKey, term: directKeyTerm, path: storedBarrierKeysPath, plaintext: rootKey });
}

/** Vault's wording since 1.15 for parameters of the other kind of seal. */
function refuseRecoveryOptions(options: SealInitOptions): void {
  const given = (["recoveryShares", "recoveryThreshold"] as const).filter((name) => options[name] !== undefined);
  if (given.length === 0) return;
  const names = given.map((name) => (name === "recoveryShares" ? "recovery_shares" : "recovery_threshold"));
  throw invalidRequest(`parameters ${names.join(",")} not applicable to seal type shamir`);
}

function encodeShares(parts: Uint8Array[]): SealInitResult {
  const keys = parts.map((part) => Buffer.from(part).toString("hex"));
  const keysBase64 = parts.map((part) => Buffer.from(part).toString("base64"));
  for (const part of parts) part.fill(0);
  return { keys, keysBase64, recoveryKeys: [], recoveryKeysBase64: [] };
}
