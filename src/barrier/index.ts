export {
  AesGcmBarrier,
  type AesGcmBarrierOptions,
  type InitializeOptions,
  type KeyStatus,
} from "./barrier.js";
export { decryptWithDerivedKey, encryptWithDerivedKey } from "./derived.js";
export {
  BarrierDecryptError,
  type DecryptFailure,
  type DecryptInput,
  decryptValue,
  directKeyTerm,
  type EncryptInput,
  encryptValue,
  envelopeOverheadBytes,
  envelopeVersion,
  isBarrierDecryptError,
  keyBytes,
  readTerm,
} from "./envelope.js";
export {
  alreadyInitializedError,
  alreadyInitializedMessage,
  invalidKeyError,
  invalidKeyMessage,
  notInitializedError,
  notInitializedMessage,
  reservedPathError,
} from "./errors.js";
export {
  isReservedPath,
  isSealOwnedPath,
  keyringPath,
  recoveryConfigPath,
  recoveryKeyPath,
  type SealOwnedPath,
  sealConfigPath,
  sealOwnedPaths,
  storedBarrierKeysPath,
} from "./paths.js";
export type { SealStorage, SealStorageOp } from "./seal-storage.js";
