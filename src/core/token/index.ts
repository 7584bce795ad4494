export {
  isRootToken,
  type ResolvedToken,
  sanitizeDisplayName,
  sanitizePolicies,
  type TokenEntry,
} from "./token-entry.js";
export { serviceTokenPrefix, type TokenRevocationHooks, TokenStore } from "./token-store.js";
