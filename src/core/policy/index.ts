/**
 * The policy language and the ACL: a pure sub-module of core (it imports only
 * lib and logical, and js-hcl-parser for Vault-identical HCL syntax errors).
 *
 * - `parsePolicy(text, { name })` -> Policy, or throws PolicyParseError (400,
 *   `failed to parse policy: ...`, with `line`/`column`).
 * - `compileAcl(policies, { identity })` -> Acl, immutable. Ask it
 *   `allowOperation(request)` (alias `check`, which makes it core's
 *   AccessControl), `capabilities(path)` for sys/capabilities*,
 *   `hasMountAccess(mount)` and `resultantAcl()` for the UI endpoints.
 * - Built-ins: `defaultPolicy`, `responseWrappingPolicy`, `rootPolicy`; the
 *   name rules (`assertPolicyWritable`, `assertPolicyDeletable`) and
 *   `decodePolicyText` (base64 bodies) for sys/policy and sys/policies/acl.
 */
export {
  type Acl,
  type AclDecision,
  type AclReason,
  type AclRequest,
  type CompileAclOptions,
  compileAcl,
  type MatchedRule,
} from "./acl.js";
export type { ResultantAcl, ResultantRule } from "./acl-views.js";
export {
  defaultPolicy,
  defaultPolicyText,
  isRootPolicy,
  responseWrappingPolicy,
  responseWrappingPolicyText,
  rootPolicy,
} from "./builtin.js";
export {
  type Capability,
  type CapabilityAnswer,
  capabilityForOperation,
  capabilityNames,
  isCapability,
  legacyPolicyCapabilities,
} from "./capability.js";
export { PolicyParseError } from "./errors.js";
export {
  assertPolicyDeletable,
  assertPolicyWritable,
  controlGroupPolicyName,
  decodePolicyText,
  defaultPolicyName,
  immutablePolicyNames,
  nonAssignablePolicyNames,
  normalizePolicyName,
  responseWrappingPolicyName,
  rootPolicyName,
} from "./names.js";
export { globMatches } from "./parameters.js";
export { type ParsePolicyOptions, parsePolicy } from "./parse.js";
export type { TemplateAlias, TemplateGroup, TemplateIdentity } from "./template.js";
export type { ParameterRules, ParameterValue, PathRule, Policy } from "./types.js";
