/**
 * The policy language and the ACL: a pure sub-module of core (imports only
 * lib and logical). Parse policy text with `parsePolicy`, compile a token's
 * policies with `compileAcl`, ask the result `allowOperation(...)` or
 * `capabilities(path)`.
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
