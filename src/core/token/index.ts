/**
 * Tokens: the stored model (entries salted by HMAC, accessor and parent
 * indexes, tree revocation), roles, and the policy rules for child tokens.
 * The `auth/token/` backend itself lives in ./auth (it depends on leases,
 * which depend on this store).
 */
export { addressAllowed, validateCidrs } from "./bound-cidrs.js";
export { globMatch, type PolicyResolutionInput, resolveTokenPolicies, uniqueLowercase } from "./policies.js";
export { newTokenRole, type TokenRole, TokenRoleStore, type TokenRoleType, tokenRoleTypes } from "./roles.js";
export {
  authFromEntry,
  isRootToken,
  type ResolvedToken,
  sanitizeDisplayName,
  sanitizePolicies,
  type TokenEntry,
} from "./token-entry.js";
export {
  type AccessorIndex,
  serviceTokenPrefix,
  type TokenRevocationHooks,
  TokenStore,
  tokenRandomLength,
} from "./token-store.js";
