/**
 * How the root key is protected, and how an operator gets it back.
 *
 * Key hierarchy: unseal key --wraps--> root key --encrypts--> keyring
 * --encrypts--> every value. Every seal stores the root key wrapped at
 * `core/hsm/barrier-unseal-keys` (Vault's path) and its configuration as
 * plaintext at `core/seal-config`, through the barrier's SealStorage.
 *
 * - Shamir: the unseal key exists only as shares held by operators; `submit`
 *   collects them, and at the threshold the seal combines them, unwraps the
 *   root key (its authentication proves the shares right) and unseals the
 *   barrier.
 * - Auto seals (awskms, transit; later): the KMS wraps the root key, so
 *   `unsealWithStoredKeys()` unseals at start-up with no operator.
 *   `recoverySeal` is true, init returns recovery keys (configuration at
 *   `core/recovery-config`, the recovery key wrapped at `core/recovery-key`)
 *   and `status()` reports the recovery threshold, as Vault does.
 */
import type { SealConfig, SealType } from "./config.js";

/** What sys/seal-status and sys/unseal report (the core adds version, cluster and storage fields). */
export interface SealStatus {
  readonly type: SealType;
  readonly initialized: boolean;
  readonly sealed: boolean;
  /** Vault's `t`: shares needed (the recovery threshold for an auto seal); 0 before init. */
  readonly threshold: number;
  /** Vault's `n`: shares issued; 0 before init. */
  readonly shares: number;
  /** Distinct shares collected in the current attempt; 0 when unsealed or idle. */
  readonly progress: number;
  /** The current attempt's nonce; "" when none. */
  readonly nonce: string;
  readonly recoverySeal: boolean;
}

/** sys/init's body (camelCase). Missing counts are 0 and fail validation with Vault's messages. */
export interface SealInitOptions {
  readonly secretShares?: number;
  readonly secretThreshold?: number;
  readonly recoveryShares?: number;
  readonly recoveryThreshold?: number;
}

/** sys/init's answer minus the root token (the core makes that). */
export interface SealInitResult {
  /** Unseal key shares, hex (Vault's `keys`); empty for an auto seal. */
  readonly keys: readonly string[];
  /** The same shares, base64 (Vault's `keys_base64`). */
  readonly keysBase64: readonly string[];
  /** Recovery key shares of an auto seal (Vault's `recovery_keys`); empty for Shamir. */
  readonly recoveryKeys: readonly string[];
  readonly recoveryKeysBase64: readonly string[];
}

export interface Seal {
  readonly type: SealType;
  /** True for auto seals, whose operators hold recovery keys instead of unseal keys. */
  readonly recoverySeal: boolean;

  /** Whether the seal configuration is stored (Vault's `initialized`). */
  isInitialized(): Promise<boolean>;
  /** The stored seal configuration, or undefined before init. */
  config(): Promise<SealConfig | undefined>;
  status(): Promise<SealStatus>;

  /**
   * Creates the root key and the unseal key, stores the configuration, the
   * wrapped root key and the barrier's first keyring in one physical
   * transaction, and returns the shares. On return the barrier is UNSEALED, so
   * the core can finish its own setup (root token, mount tables); to end
   * sealed as Vault does for Shamir, the core then calls `seal()`.
   * Errors (400): already initialized, invalid counts, parameters of the other seal kind.
   */
  initialize(options: SealInitOptions): Promise<SealInitResult>;

  /**
   * One step of sys/unseal: a key share as hex or base64 text, or raw bytes.
   * Returns the status after it. When unsealed already, returns the status and
   * records nothing. Errors (400): not initialized, malformed key, duplicate
   * share, and (once the threshold is reached) `Unseal failed, invalid key`,
   * after which progress is back to 0 and the barrier is still sealed.
   */
  submit(key: string | Uint8Array): Promise<SealStatus>;
  /** Forgets the shares collected so far (sys/unseal with reset=true). */
  reset(): void;
  /** Auto seals unseal from the stored key; Shamir has nothing to do and resolves false. */
  unsealWithStoredKeys(): Promise<boolean>;
  /** Seals the barrier (zeroing its keys) and forgets any unseal progress. */
  seal(): void;
}
