/**
 * required_parameters, denied_parameters and allowed_parameters, checked in
 * Vault's order (acl.go AllowOperation) with its value matching
 * (valueInAllowedParameterList / valueInDeniedParameterList).
 */
import type { ParameterMap, Permissions } from "./permissions.js";
import type { ParameterValue } from "./types.js";

export type ParameterVerdict = "ok" | "required_parameter_missing" | "parameter_denied" | "parameter_not_allowed";

/**
 * Vault's GlobbedStringsMatch: a leading and/or trailing `*` in the policy
 * value is a wildcard. A value shorter than two characters is compared as
 * is, so a lone `"*"` matches only the string "*" (use an empty list for
 * "any value"); `"**"` matches everything.
 */
export function globMatches(pattern: string, value: string): boolean {
  if (pattern.length < 2) return pattern === value;
  const leading = pattern.startsWith("*");
  const trailing = pattern.endsWith("*");
  if (leading && trailing) return value.includes(pattern.slice(1, -1));
  if (leading) return value.endsWith(pattern.slice(1));
  if (trailing) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

/**
 * One request value against a policy list. Strings glob-match strings;
 * numbers and booleans match equal values of the same type. (Vault compares
 * policy numbers with the request's json.Number and so never matches them;
 * Coffer matches them by value.)
 */
function matchesAnyOf(value: unknown, list: readonly ParameterValue[]): boolean {
  return list.some((element) => {
    if (typeof element === "string") return typeof value === "string" && globMatches(element, value);
    return element === value;
  });
}

/** A string read as a comma-separated list (Vault's ParseCommaStringSlice): "" is no elements. */
function commaSeparated(value: string): string[] {
  return value === "" ? [] : value.split(",").map((element) => element.trim());
}

/** Every element of a list value (or of a comma-separated string) must be allowed. */
function valueAllowed(value: unknown, list: readonly ParameterValue[]): boolean {
  if (list.length === 0 || matchesAnyOf(value, list)) return true;
  if (Array.isArray(value)) return value.every((element: unknown) => matchesAnyOf(element, list));
  if (typeof value === "string") return commaSeparated(value).every((element) => matchesAnyOf(element, list));
  return false;
}

/** Any element of a list value (or of a comma-separated string) that is denied denies the request. */
function valueDenied(value: unknown, list: readonly ParameterValue[]): boolean {
  if (list.length === 0 || matchesAnyOf(value, list)) return true;
  if (Array.isArray(value)) return value.some((element: unknown) => matchesAnyOf(element, list));
  if (typeof value === "string") return commaSeparated(value).some((element) => matchesAnyOf(element, list));
  return false;
}

function lookup(map: ParameterMap, name: string): readonly ParameterValue[] | undefined {
  return map.get(name.toLowerCase());
}

export function checkParameters(permissions: Permissions, data: Readonly<Record<string, unknown>>): ParameterVerdict {
  // Vault lowercases the required name but looks it up in the request as sent.
  for (const name of permissions.requiredParameters) {
    if (!Object.hasOwn(data, name.toLowerCase())) return "required_parameter_missing";
  }
  const entries = Object.entries(data);
  if (entries.length === 0) return "ok";
  const denied = permissions.deniedParameters;
  if (denied.size > 0) {
    if (denied.has("*")) return "parameter_denied";
    for (const [name, value] of entries) {
      const list = lookup(denied, name);
      if (list !== undefined && valueDenied(value, list)) return "parameter_denied";
    }
  }
  const allowed = permissions.allowedParameters;
  if (allowed.size === 0) return "ok";
  const anyNameAllowed = allowed.has("*");
  if (anyNameAllowed && allowed.size === 1) return "ok";
  for (const [name, value] of entries) {
    const list = lookup(allowed, name);
    if (list === undefined) {
      if (!anyNameAllowed) return "parameter_not_allowed";
      continue;
    }
    if (!valueAllowed(value, list)) return "parameter_not_allowed";
  }
  return "ok";
}
