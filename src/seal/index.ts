export { ShareCollector } from "./collector.js";
export {
  decodeSealConfig,
  encodeSealConfig,
  type SealConfig,
  type SealType,
  validateShareCounts,
} from "./config.js";
export type { Seal, SealInitOptions, SealInitResult, SealStatus } from "./seal.js";
export { ShamirSeal, type ShamirSealOptions, unwrapRootKeyWithShares } from "./shamir.js";
export {
  checkKeyShareLength,
  combineKeyShares,
  decodeKeyShare,
  keyShareBytesMax,
  keyShareBytesMin,
  splitUnsealKey,
  unsealKeyBytes,
} from "./shares.js";
