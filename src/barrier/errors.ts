/**
 * The barrier's lifecycle errors, with Vault's texts (vault/barrier.go), all
 * 400s as Vault's sys/init and sys/unseal answer them. Sealed access uses
 * lib's `sealedError()` (503); undecryptable values are BarrierDecryptError (500).
 */
import { CofferError } from "../lib/index.js";

export const invalidKeyMessage = "Unseal failed, invalid key";
export const notInitializedMessage = "Vault is not initialized";
export const alreadyInitializedMessage = "Vault is already initialized";

/** The key offered to unseal does not open the keyring (or the seal's stored root key). */
export function invalidKeyError(options: { cause?: unknown } = {}): CofferError {
  return new CofferError("invalid_request", invalidKeyMessage, options);
}

export function notInitializedError(): CofferError {
  return new CofferError("invalid_request", notInitializedMessage);
}

export function alreadyInitializedError(): CofferError {
  return new CofferError("invalid_request", alreadyInitializedMessage);
}

export function reservedPathError(key: string): CofferError {
  return new CofferError("invalid_request", `storage key "${key}" is reserved for the barrier and the seal`);
}
