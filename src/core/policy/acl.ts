/**
 * The compiled ACL: a token's policies merged into one immutable structure
 * that answers "may this request go ahead?" the way Vault's ACL does
 * (vault/acl.go NewACL, AllowOperation, Capabilities).
 *
 * Lookup order for a request path (leading `/` ignored):
 * 1. an exact rule for the path;
 * 2. for list, an exact rule for the path without its trailing `/`;
 * 3. for list of `dir/`, the best non-exact rule for `dir` (so `secret/foo/*`
 *    does not decide a list of `secret/foo/` when `secret/*` exists);
 * 4. the best non-exact rule for the path (see match.ts for precedence).
 * Only that one rule decides; nothing is merged across patterns.
 */
import { internalError } from "../../lib/index.js";
import type { Operation } from "../../logical/index.js";
import { type AclTables, hasMountAccess, type ResultantAcl, resultantAcl } from "./acl-views.js";
import { isRootPolicy } from "./builtin.js";
import { type Capability, type CapabilityAnswer, capabilityBit, capabilityForOperation } from "./capability.js";
import { bestNonExactMatch, classifyPattern, type PatternKind, PrefixTable, SegmentPattern } from "./match.js";
import { checkParameters } from "./parameters.js";
import { type Permissions, PermissionsBuilder } from "./permissions.js";
import { resolveTemplates, type TemplateIdentity } from "./template.js";
import type { PathRule, Policy } from "./types.js";

export interface AclRequest {
  /** The full request path (`secret/data/foo`); a list request carries a trailing `/`. */
  readonly path: string;
  /** Create vs update is the caller's decision, made with the path's existence check. */
  readonly operation: Operation;
  /** Body fields, or query parameters for a read; checked against parameter rules for read/create/update/patch. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** The TTL asked for with X-Vault-Wrap-TTL; undefined when the response is not to be wrapped. */
  readonly wrapTtlSeconds?: number;
  /** The path is one of the backend's root-protected paths (Vault's PathsSpecial.Root): sudo is needed as well. */
  readonly sudoRequired?: boolean;
}

export type AclReason =
  | "root"
  | "help"
  | "granted"
  | "no_matching_rule"
  | "explicit_deny"
  | "missing_capability"
  | "wrapping_required"
  | "wrapping_ttl_above_max"
  | "wrapping_ttl_below_min"
  | "required_parameter_missing"
  | "parameter_denied"
  | "parameter_not_allowed"
  | "sudo_required";

export interface MatchedRule {
  /** The pattern as policies write it (`secret/*`, `secret/+/config`, `secret/foo`). */
  readonly pattern: string;
  readonly kind: PatternKind;
}

export interface AclDecision {
  readonly allowed: boolean;
  readonly reason: AclReason;
  /** The token holds the root policy. */
  readonly isRoot: boolean;
  /** Sudo at the deciding rule, or root (Vault's RootPrivs): needed for root-protected paths and some token options. */
  readonly sudo: boolean;
  /** The deciding rule's capabilities (`["deny"]` for a deny rule, `[]` when nothing matched). */
  readonly capabilities: readonly Capability[];
  /** Policies that granted the capability used, when allowed. */
  readonly grantingPolicies: readonly string[];
  readonly matchedRule?: MatchedRule;
}

export interface CompileAclOptions {
  /** Fills `{{identity...}}` templates; a templated rule that cannot be filled is left out. */
  readonly identity?: TemplateIdentity;
}

export interface Acl {
  readonly isRoot: boolean;
  allowOperation(request: AclRequest): AclDecision;
  /** The same as allowOperation; the name core's AccessControl interface uses. */
  check(request: AclRequest): AclDecision;
  /**
   * What `sys/capabilities*` answers for a path: the deciding rule's
   * capabilities sorted by name, `["deny"]` when none (or deny), `["root"]`
   * for root. Evaluated as a list request, as Vault does.
   */
  capabilities(path: string): CapabilityAnswer[];
  /**
   * May the token see this mount (`kv/`) in `sys/internal/ui/mounts`? True
   * with any capability on the mount path or any rule under it that grants
   * something (`kv/data/myapp/*` makes `kv/` visible).
   */
  hasMountAccess(mountPath: string): boolean;
  /** The merged rules, as `sys/internal/ui/resultant-acl` returns them. */
  resultantAcl(): ResultantAcl;
}

interface Located {
  readonly permissions: Permissions;
  readonly rule: MatchedRule;
}

const parameterCheckedOperations: ReadonlySet<Operation> = new Set(["read", "create", "update", "patch"]);

class CompiledAcl implements Acl {
  readonly isRoot: boolean;
  private readonly exact: ReadonlyMap<string, Permissions>;
  private readonly prefixes: PrefixTable<Permissions>;
  private readonly segmentPatterns: readonly SegmentPattern<Permissions>[];
  private readonly tables: AclTables;

  constructor(policies: readonly Policy[], options: CompileAclOptions) {
    this.isRoot = policies.some(isRootPolicy);
    if (this.isRoot && policies.length !== 1) throw internalError("other policies present along with root");
    const builders = {
      exact: new Map<string, PermissionsBuilder>(),
      prefix: new Map(),
      segment: new Map(),
    } satisfies Record<PatternKind, Map<string, PermissionsBuilder>>;
    for (const policy of policies) {
      for (const rule of policy.paths) addRule(builders, rule, policy.name, options.identity);
    }
    const build = (map: Map<string, PermissionsBuilder>) =>
      new Map([...map].map(([key, builder]) => [key, builder.build()]));
    this.exact = build(builders.exact);
    this.prefixes = new PrefixTable(build(builders.prefix));
    this.segmentPatterns = Object.freeze(
      [...build(builders.segment)].map(([pattern, permissions]) => new SegmentPattern(pattern, permissions)),
    );
    this.tables = { exact: this.exact, prefixes: this.prefixes, segmentPatterns: this.segmentPatterns };
    Object.freeze(this);
  }

  private locate(path: string, operation: Operation): Located | undefined {
    const exact = this.exact.get(path);
    if (exact !== undefined) return { permissions: exact, rule: { pattern: path, kind: "exact" } };
    const isList = operation === "list";
    const withoutSlash = path.endsWith("/") ? path.slice(0, -1) : path;
    if (isList) {
      const exactDirectory = this.exact.get(withoutSlash);
      if (exactDirectory !== undefined)
        return { permissions: exactDirectory, rule: { pattern: withoutSlash, kind: "exact" } };
      if (path.endsWith("/")) {
        const directoryMatch = this.nonExact(withoutSlash);
        if (directoryMatch !== undefined) return directoryMatch;
      }
    }
    return this.nonExact(path);
  }

  private nonExact(path: string): Located | undefined {
    const best = bestNonExactMatch(path, this.prefixes, this.segmentPatterns);
    if (best === undefined) return undefined;
    return { permissions: best.value, rule: { pattern: best.pattern, kind: best.kind } };
  }

  allowOperation(request: AclRequest): AclDecision {
    if (this.isRoot) return rootDecision;
    if (request.operation === "help") return helpDecision;
    const located = this.locate(stripLeadingSlashes(request.path), request.operation);
    if (located === undefined) return noRuleDecision;
    const { permissions, rule } = located;
    const needed = capabilityForOperation(request.operation);
    const reason = ruleVerdict(permissions, request, needed);
    const sudo = (permissions.bits & capabilityBit.sudo) !== 0;
    const allowed = reason === "granted";
    return {
      allowed,
      reason,
      isRoot: false,
      sudo,
      capabilities: permissions.capabilities,
      grantingPolicies:
        allowed && needed !== undefined ? (permissions.grantingPolicies.get(needed) ?? noPolicies) : noPolicies,
      matchedRule: rule,
    };
  }

  check(request: AclRequest): AclDecision {
    return this.allowOperation(request);
  }

  capabilities(path: string): CapabilityAnswer[] {
    if (this.isRoot) return ["root"];
    const located = this.locate(stripLeadingSlashes(path), "list");
    const capabilities = located === undefined ? [] : located.permissions.capabilities;
    if (capabilities.length === 0) return ["deny"];
    return [...capabilities].sort();
  }

  hasMountAccess(mountPath: string): boolean {
    if (this.isRoot) return true;
    const path = stripLeadingSlashes(mountPath);
    return hasMountAccess(this.tables, this.capabilities(path), path);
  }

  resultantAcl(): ResultantAcl {
    return resultantAcl(this.tables, this.isRoot);
  }
}

function stripLeadingSlashes(path: string): string {
  return path.startsWith("/") ? path.replace(/^\/+/, "") : path;
}

/** A request that wraps must stay within both bounds; one that does not wrap fails any bound. */
function checkWrapping(permissions: Permissions, wrapTtlSeconds: number | undefined): AclReason | undefined {
  const { minWrappingTtlSeconds: min, maxWrappingTtlSeconds: max } = permissions;
  if ((max > 0 || min > 0) && wrapTtlSeconds === undefined) return "wrapping_required";
  if (wrapTtlSeconds === undefined) return undefined;
  if (max > 0 && wrapTtlSeconds > max) return "wrapping_ttl_above_max";
  // Merging can leave max below min (each from another policy); then no TTL passes both checks.
  if (min > 0 && wrapTtlSeconds < min) return "wrapping_ttl_below_min";
  return undefined;
}

const noPolicies: readonly string[] = Object.freeze([]);

const rootDecision: AclDecision = Object.freeze({
  allowed: true,
  reason: "root",
  isRoot: true,
  sudo: true,
  capabilities: Object.freeze([]),
  grantingPolicies: Object.freeze(["root"]),
});

const helpDecision: AclDecision = Object.freeze({
  allowed: true,
  reason: "help",
  isRoot: false,
  sudo: false,
  capabilities: Object.freeze([]),
  grantingPolicies: noPolicies,
});

const noRuleDecision: AclDecision = Object.freeze({ ...helpDecision, allowed: false, reason: "no_matching_rule" });

/** The deciding rule's verdict, in Vault's order: deny, capability, wrapping, parameters, then sudo. */
function ruleVerdict(permissions: Permissions, request: AclRequest, needed: Capability | undefined): AclReason {
  if ((permissions.bits & capabilityBit.deny) !== 0) return "explicit_deny";
  if (needed === undefined || (permissions.bits & capabilityBit[needed]) === 0) return "missing_capability";
  const wrappingVerdict = checkWrapping(permissions, request.wrapTtlSeconds);
  if (wrappingVerdict !== undefined) return wrappingVerdict;
  if (parameterCheckedOperations.has(request.operation)) {
    const parameterVerdict = checkParameters(permissions, request.data ?? {});
    if (parameterVerdict !== "ok") return parameterVerdict;
  }
  if (request.sudoRequired === true && (permissions.bits & capabilityBit.sudo) === 0) return "sudo_required";
  return "granted";
}

function addRule(
  builders: Record<PatternKind, Map<string, PermissionsBuilder>>,
  rule: PathRule,
  policyName: string,
  identity: TemplateIdentity | undefined,
): void {
  let pattern = rule.pattern;
  if (rule.templated) {
    const resolved = identity === undefined ? undefined : resolveTemplates(pattern, identity);
    if (resolved === undefined) return;
    pattern = resolved;
  }
  const classified = classifyPattern(pattern);
  // A template can produce `+*`; such a rule is unusable and left out, as a parse would have refused it.
  if (classified === undefined) return;
  const map = builders[classified.kind];
  const existing = map.get(classified.key);
  if (existing === undefined) {
    map.set(classified.key, new PermissionsBuilder(rule, policyName));
  } else {
    existing.merge(rule, policyName);
  }
}

/** Compiles a token's policies. Throws when `root` is mixed with other policies, as Vault does. */
export function compileAcl(policies: readonly Policy[], options: CompileAclOptions = {}): Acl {
  return new CompiledAcl(policies, options);
}
