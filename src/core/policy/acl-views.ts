/**
 * Read-only views of a compiled ACL for the UI endpoints:
 * `sys/internal/ui/mounts` (which mounts a token may see) and
 * `sys/internal/ui/resultant-acl` (the merged rules).
 */
import { type Capability, capabilitiesOf, capabilityBit } from "./capability.js";
import type { PrefixTable, SegmentPattern } from "./match.js";
import type { Permissions } from "./permissions.js";
import type { ParameterValue } from "./types.js";

export interface AclTables {
  readonly exact: ReadonlyMap<string, Permissions>;
  readonly prefixes: PrefixTable<Permissions>;
  readonly segmentPatterns: readonly SegmentPattern<Permissions>[];
}

/** Capabilities that make a mount worth showing (not deny, not subscribe/recover alone). */
const usefulBits =
  capabilityBit.create |
  capabilityBit.read |
  capabilityBit.update |
  capabilityBit.patch |
  capabilityBit.delete |
  capabilityBit.list |
  capabilityBit.sudo;

function grantsSomething(permissions: Permissions): boolean {
  return (permissions.bits & capabilityBit.deny) === 0 && (permissions.bits & usefulBits) !== 0;
}

/**
 * Whether a segment pattern can reach inside a mount: its first segments
 * match the mount path's (`+` matches any segment, and a trailing-`*`
 * pattern's last segment matches by prefix).
 */
function reachesMount(pattern: SegmentPattern<Permissions>, mountSegments: readonly string[]): boolean {
  if (pattern.segments.length < mountSegments.length) return false;
  return mountSegments.every((actual, index) => {
    const segment = pattern.segments[index] as string;
    if (segment === "+" || segment === actual) return true;
    return pattern.isPrefix && index === pattern.segments.length - 1 && actual.startsWith(segment);
  });
}

/**
 * Vault's hasMountAccess: the token may see a mount (`kv/`) when it has any
 * non-deny capability on the mount path itself, or any rule under it grants
 * something (so `kv/data/myapp/*` makes `kv/` visible). Unlike Vault, a deny
 * prefix rule covering the mount never makes it visible.
 */
export function hasMountAccess(tables: AclTables, mountCapabilities: readonly string[], mountPath: string): boolean {
  if (!mountCapabilities.includes("deny")) return true;
  for (const [path, permissions] of tables.exact) {
    if (path.startsWith(mountPath) && grantsSomething(permissions)) return true;
  }
  for (const [prefix, permissions] of tables.prefixes.entries()) {
    if (prefix.startsWith(mountPath) && grantsSomething(permissions)) return true;
  }
  const mountSegments = mountPath.replace(/\/$/, "").split("/");
  return tables.segmentPatterns.some(
    (pattern) =>
      (pattern.value.bits & capabilityBit.deny) === 0 &&
      pattern.value.bits !== 0 &&
      reachesMount(pattern, mountSegments),
  );
}

export interface ResultantRule {
  capabilities: Capability[];
  min_wrapping_ttl?: number;
  max_wrapping_ttl?: number;
  allowed_parameters?: Record<string, readonly ParameterValue[]>;
  denied_parameters?: Record<string, readonly ParameterValue[]>;
  required_parameters?: readonly string[];
}

/** The data of `sys/internal/ui/resultant-acl`, in Vault's shape. */
export interface ResultantAcl {
  root: boolean;
  exact_paths?: Record<string, ResultantRule>;
  /** Keyed by the prefix without its `*`, as Vault does; `+` patterns are not listed (nor are they by Vault). */
  glob_paths?: Record<string, ResultantRule>;
}

function resultantRule(permissions: Permissions): ResultantRule {
  const capabilities = capabilitiesOf(permissions.bits).filter(
    (capability) => (usefulBits & capabilityBit[capability]) !== 0,
  );
  const rule: ResultantRule = {
    capabilities:
      (permissions.bits & capabilityBit.deny) !== 0 || capabilities.length === 0 ? ["deny"] : capabilities.sort(),
  };
  if (permissions.minWrappingTtlSeconds !== 0) rule.min_wrapping_ttl = permissions.minWrappingTtlSeconds;
  if (permissions.maxWrappingTtlSeconds !== 0) rule.max_wrapping_ttl = permissions.maxWrappingTtlSeconds;
  if (permissions.allowedParameters.size > 0)
    rule.allowed_parameters = Object.fromEntries(permissions.allowedParameters);
  if (permissions.deniedParameters.size > 0) rule.denied_parameters = Object.fromEntries(permissions.deniedParameters);
  if (permissions.requiredParameters.length > 0) rule.required_parameters = permissions.requiredParameters;
  return rule;
}

export function resultantAcl(tables: AclTables, isRoot: boolean): ResultantAcl {
  if (isRoot) return { root: true };
  const exactPaths: Record<string, ResultantRule> = Object.create(null);
  for (const [path, permissions] of tables.exact) exactPaths[path] = resultantRule(permissions);
  const globPaths: Record<string, ResultantRule> = Object.create(null);
  for (const [prefix, permissions] of tables.prefixes.entries()) globPaths[prefix] = resultantRule(permissions);
  return { root: false, exact_paths: exactPaths, glob_paths: globPaths };
}
