/**
 * The physical keys the barrier and the seal own, following Vault's layout.
 * None of them is reachable through the barrier's Storage methods: the
 * keyring is written by the barrier itself (under the root key), the others
 * by the seal through `SealStorage`, which works while sealed.
 */

/** The keyring, encrypted under the root key (AAD = this path). */
export const keyringPath = "core/keyring";

/** Shamir/auto seal configuration: plaintext JSON (Vault's SealConfig). */
export const sealConfigPath = "core/seal-config";
/** Recovery key configuration of an auto seal: plaintext JSON. */
export const recoveryConfigPath = "core/recovery-config";
/** The root key, encrypted by the seal (the unseal key for Shamir, the KMS for auto seals). */
export const storedBarrierKeysPath = "core/hsm/barrier-unseal-keys";
/** An auto seal's recovery key, encrypted by the seal. */
export const recoveryKeyPath = "core/recovery-key";

/**
 * Keys the seal reads and writes around the barrier's encryption. Only the two
 * configurations are plaintext; the other two hold blobs the seal encrypts
 * itself, because they must be read before the barrier can be unsealed.
 */
export const sealOwnedPaths = [sealConfigPath, recoveryConfigPath, storedBarrierKeysPath, recoveryKeyPath] as const;
export type SealOwnedPath = (typeof sealOwnedPaths)[number];

const sealOwned: ReadonlySet<string> = new Set(sealOwnedPaths);

export function isSealOwnedPath(key: string): key is SealOwnedPath {
  return sealOwned.has(key);
}

/** Keys the barrier's Storage methods refuse: encrypting them would make the node unrecoverable. */
export function isReservedPath(key: string): boolean {
  return key === keyringPath || sealOwned.has(key);
}
