/**
 * Which policies a new child token gets (Vault's resolveTokenPolicies): the
 * role's allow/deny lists when it has them, otherwise the parent's policies
 * (inherited, or a subset of them unless the caller has sudo). Pure.
 */
import { invalidRequest } from "../../lib/index.js";
import type { TokenRole } from "./roles.js";
import { sanitizePolicies } from "./token-entry.js";

/** Policies no token may be given. */
const nonAssignablePolicies = new Set(["response-wrapping", "control-group"]);

export interface PolicyResolutionInput {
  /** The `policies` of the request (raw). */
  readonly requested: readonly string[];
  readonly noDefaultPolicy: boolean;
  readonly role: TokenRole | undefined;
  readonly parentPolicies: readonly string[];
  /** The caller has sudo on the create path (or is root). */
  readonly callerIsSudo: boolean;
}

/** Vault's strutil.RemoveDuplicates(list, lowercase): trimmed, lowercased, no empties, deduplicated, sorted. */
export function uniqueLowercase(items: readonly string[]): string[] {
  const set = new Set(items.map((item) => item.trim().toLowerCase()).filter((item) => item !== ""));
  return [...set].sort();
}

/** A glob where `*` matches any run of characters (go-glob, as strutil.StrListContainsGlob uses). */
export function globMatch(pattern: string, value: string): boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return pattern === value;
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (!value.startsWith(first) || value.length < first.length + last.length) return false;
  let position = first.length;
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, position);
    if (found === -1) return false;
    position = found + middle.length;
  }
  return value.length - last.length >= position && value.endsWith(last);
}

function matchesAnyGlob(patterns: readonly string[], value: string): boolean {
  return patterns.some((pattern) => globMatch(pattern, value));
}

/** Go's `%q` of a []string: `["a" "b"]`. */
function quotedList(items: readonly string[]): string {
  return `[${items.map((item) => JSON.stringify(item)).join(" ")}]`;
}

function hasAllowDenyLists(role: TokenRole): boolean {
  return (
    role.allowedPolicies.length > 0 ||
    role.disallowedPolicies.length > 0 ||
    role.allowedPoliciesGlob.length > 0 ||
    role.disallowedPoliciesGlob.length > 0
  );
}

function resolveWithRole(input: PolicyResolutionInput, role: TokenRole): string[] {
  const addDefault =
    !input.noDefaultPolicy &&
    !role.tokenNoDefaultPolicy &&
    !role.disallowedPolicies.includes("default") &&
    !matchesAnyGlob(role.disallowedPoliciesGlob, "default");
  let final = input.requested.length > 0 ? sanitizePolicies(input.requested, addDefault) : [];
  if (role.allowedPolicies.length > 0 || role.allowedPoliciesGlob.length > 0) {
    const allowed = sanitizePolicies(role.allowedPolicies, addDefault);
    if (final.length === 0) {
      final = allowed;
    } else {
      const allowedGlob = sanitizePolicies(role.allowedPoliciesGlob, false);
      for (const policy of final) {
        if (!allowed.includes(policy) && !matchesAnyGlob(allowedGlob, policy)) {
          throw invalidRequest(
            `token policies (${quotedList(final)}) must be subset of the role's allowed policies (${quotedList(allowed)}) or glob policies (${quotedList(allowedGlob)})`,
          );
        }
      }
    }
  } else if (final.length === 0) {
    final = sanitizePolicies(input.parentPolicies, addDefault);
  }
  const disallowed = uniqueLowercase(role.disallowedPolicies);
  const disallowedGlob = uniqueLowercase(role.disallowedPoliciesGlob);
  for (const policy of final) {
    if (disallowed.includes(policy) || matchesAnyGlob(disallowedGlob, policy)) {
      throw invalidRequest(`token policy "${policy}" is disallowed by this role`);
    }
  }
  return final;
}

/** The final, sanitised policy set of the new token; throws Vault's 400s. */
export function resolveTokenPolicies(input: PolicyResolutionInput): string[] {
  let policies: readonly string[] = input.requested;
  let addDefault = false;
  if (input.role && hasAllowDenyLists(input.role)) {
    policies = resolveWithRole(input, input.role);
  } else if (input.requested.length === 0) {
    // Inherit; `default` only when the parent has it.
    policies = sanitizePolicies(input.parentPolicies, false);
  } else if (!input.callerIsSudo) {
    const requested = sanitizePolicies(input.requested, false);
    const parent = sanitizePolicies(input.parentPolicies, false);
    if (!requested.every((policy) => parent.includes(policy))) {
      throw invalidRequest("child policies must be subset of parent");
    }
    addDefault = !input.noDefaultPolicy && input.parentPolicies.includes("default");
  } else {
    addDefault = !input.noDefaultPolicy;
  }
  let final = sanitizePolicies(policies, addDefault);
  if (input.noDefaultPolicy) final = final.filter((policy) => policy !== "default");
  for (const policy of final) {
    if (nonAssignablePolicies.has(policy)) throw invalidRequest(`cannot assign policy "${policy}"`);
  }
  return final;
}
