/**
 * Properties of ACL matching, checked with fast-check over random policies
 * and paths. fast-check prints the seed and the shrunk counterexample on
 * failure; replay with `{ seed, path }` in fc.assert's options.
 *
 * The oracle here is written independently of match.ts: patterns become
 * regular expressions, and precedence is a tuple compared lexicographically.
 */
import fc from "fast-check";
import t from "tap";
import type { Operation } from "../../logical/index.js";
import { type Capability, compileAcl, type Policy, parsePolicy, rootPolicy } from "./index.js";

const segmentWords = ["a", "b", "ab", "ba"] as const;
const grantable = ["read", "list", "update", "create", "sudo", "deny"] as const;
const operations: readonly Operation[] = ["read", "list", "create", "update", "patch", "delete", "renew"];

const patternArbitrary = fc
  .tuple(
    fc.array(fc.constantFrom<string>(...segmentWords, "+"), { minLength: 1, maxLength: 3 }),
    fc.constantFrom("", "*", "/*"),
  )
  .map(([segments, suffix]) => segments.join("/") + suffix)
  .filter((pattern) => !pattern.includes("+*"));

type RuleSpec = { pattern: string; capabilities: string[] };

function policyFrom(rules: readonly RuleSpec[], name: string): Policy {
  const text = rules
    .map((rule) => `path ${JSON.stringify(rule.pattern)} { capabilities = ${JSON.stringify(rule.capabilities)} }`)
    .join("\n");
  return parsePolicy(text, { name, referenceSyntaxCheck: false });
}

/**
 * Policies draw their patterns from a small shared pool, so the same pattern
 * often appears in several policies (merging) beside different patterns
 * that compete for a path (precedence).
 */
const policiesArbitrary = fc
  .uniqueArray(patternArbitrary, { minLength: 1, maxLength: 6 })
  .chain((pool) => {
    const rule = fc.record({
      pattern: fc.constantFrom(...pool),
      capabilities: fc.subarray([...grantable], { minLength: 0 }),
    });
    return fc.array(fc.array(rule, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 });
  })
  .map((ruleSets) => ruleSets.map((rules, index) => policyFrom(rules, `p${index}`)));

const pathArbitrary = fc
  .array(fc.constantFrom<string>(...segmentWords), { minLength: 1, maxLength: 4 })
  .map((segments) => segments.join("/"));

const runs = { numRuns: 400 };

function isSegmentPattern(pattern: string): boolean {
  return pattern === "+" || pattern.includes("/+") || pattern.startsWith("+/");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Does `pattern` match `path`, read as the policy documentation describes? */
function oracleMatches(pattern: string, path: string): boolean {
  if (!isSegmentPattern(pattern)) {
    return pattern.endsWith("*") ? path.startsWith(pattern.slice(0, -1)) : path === pattern;
  }
  const isPrefix = pattern.endsWith("*");
  const segments = (isPrefix ? pattern.slice(0, -1) : pattern).split("/");
  const last = segments.length - 1;
  const body = segments
    .map((segment, index) => {
      if (segment === "+") return "[^/]*";
      return escapeRegExp(segment) + (isPrefix && index === last ? ".*" : "");
    })
    .join("/");
  return new RegExp(`^${body}$`, "s").test(path);
}

/** Precedence as a tuple: larger wins. */
function precedenceKey(pattern: string): [number, number, number, number, string] {
  if (!isSegmentPattern(pattern)) {
    const prefix = pattern.slice(0, -1);
    return [prefix.length, 0, 0, prefix.length, prefix];
  }
  const isPrefix = pattern.endsWith("*");
  const compared = isPrefix ? pattern.slice(0, -1) : pattern;
  const wildcards = compared.split("/").filter((segment) => segment === "+").length;
  return [pattern.indexOf("+"), isPrefix ? 0 : 1, -wildcards, compared.length, compared];
}

function compareKeys(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  for (let index = 0; index < a.length; index += 1) {
    const left = a[index] as number | string;
    const right = b[index] as number | string;
    if (left < right) return -1;
    if (left > right) return 1;
  }
  return 0;
}

function isExactPattern(pattern: string): boolean {
  return !isSegmentPattern(pattern) && !pattern.endsWith("*");
}

t.test("the root policy allows everything, with sudo", async (t) => {
  const acl = compileAcl([rootPolicy]);
  fc.assert(
    fc.property(
      pathArbitrary,
      fc.constantFrom(...operations),
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.option(fc.nat(), { nil: undefined }),
      fc.boolean(),
      (path, operation, data, wrapTtlSeconds, sudoRequired) => {
        const request = {
          path,
          operation,
          data,
          sudoRequired,
          ...(wrapTtlSeconds === undefined ? {} : { wrapTtlSeconds }),
        };
        const decision = acl.allowOperation(request);
        return decision.allowed && decision.sudo && decision.isRoot;
      },
    ),
    runs,
  );
  t.pass("root allowed every request");
});

t.test("the deciding rule matches the path, and an exact rule always decides", async (t) => {
  fc.assert(
    fc.property(policiesArbitrary, pathArbitrary, (policies, path) => {
      const decision = compileAcl(policies).allowOperation({ path, operation: "read" });
      const patterns = policies.flatMap((policy) => policy.paths.map((rule) => rule.pattern));
      const matching = patterns.filter((pattern) => oracleMatches(pattern, path));
      if (decision.matchedRule === undefined) return matching.length === 0;
      if (!oracleMatches(decision.matchedRule.pattern, path)) return false;
      if (matching.includes(path) && isExactPattern(path)) return decision.matchedRule.pattern === path;
      return true;
    }),
    runs,
  );
  t.pass("sound and complete against the regular-expression oracle");
});

t.test("among non-exact matches, the documented precedence picks the winner", async (t) => {
  fc.assert(
    fc.property(policiesArbitrary, pathArbitrary, (policies, path) => {
      const patterns = policies.flatMap((policy) => policy.paths.map((rule) => rule.pattern));
      if (patterns.some((pattern) => isExactPattern(pattern) && pattern === path)) return true;
      const candidates = patterns.filter((pattern) => !isExactPattern(pattern) && oracleMatches(pattern, path));
      const decision = compileAcl(policies).allowOperation({ path, operation: "read" });
      if (candidates.length === 0) return decision.matchedRule === undefined;
      const best = candidates.reduce((winner, pattern) =>
        compareKeys(precedenceKey(pattern), precedenceKey(winner)) > 0 ? pattern : winner,
      );
      return decision.matchedRule?.pattern === best;
    }),
    runs,
  );
  t.pass("the winner is the maximum of (first wildcard, non-prefix, fewer +, length, text)");
});

t.test("deny anywhere at the winning pattern means no operation is allowed", async (t) => {
  fc.assert(
    fc.property(policiesArbitrary, pathArbitrary, fc.constantFrom(...operations), (policies, path, operation) => {
      const acl = compileAcl(policies);
      const winner = acl.allowOperation({ path, operation: "read" }).matchedRule?.pattern;
      if (winner === undefined) return true;
      const deniedThere = policies.some((policy) =>
        policy.paths.some((rule) => rule.pattern === winner && rule.capabilities.includes("deny")),
      );
      if (!deniedThere) return true;
      const decision = acl.allowOperation({ path, operation });
      return !decision.allowed && decision.capabilities.join() === "deny";
    }),
    runs,
  );
  t.pass("deny is sticky across policies");
});

t.test("the order of policies does not change any capability", async (t) => {
  fc.assert(
    fc.property(policiesArbitrary, pathArbitrary, fc.boolean(), (policies, path, asList) => {
      const query = asList ? `${path}/` : path;
      const forward = compileAcl(policies).capabilities(query);
      const backward = compileAcl([...policies].reverse()).capabilities(query);
      return forward.join() === backward.join();
    }),
    runs,
  );
  t.pass("capabilities are independent of policy order");
});

t.test("adding a policy over the same patterns never removes a capability unless it adds deny", async (t) => {
  // With new patterns it can: a more specific pattern takes over a path
  // (see the "different patterns are never merged" cases in the table).
  const extraArbitrary = policiesArbitrary.chain((policies) => {
    const patterns = policies.flatMap((policy) => policy.paths.map((rule) => rule.pattern));
    const extraRule = fc.record({
      pattern: fc.constantFrom(...patterns),
      capabilities: fc.subarray(["read", "list", "update", "create", "sudo"] as Capability[]),
    });
    return fc.tuple(fc.constant(policies), fc.array(extraRule, { minLength: 1, maxLength: 3 }));
  });
  fc.assert(
    fc.property(extraArbitrary, pathArbitrary, fc.boolean(), ([policies, extraRules], path, asList) => {
      const query = asList ? `${path}/` : path;
      const before = compileAcl(policies).capabilities(query);
      const after = compileAcl([...policies, policyFrom(extraRules, "extra")]).capabilities(query);
      if (before.join() === "deny") return true;
      return before.every((capability) => after.includes(capability));
    }),
    runs,
  );
  t.pass("capabilities only grow");
});

t.test("help is allowed and sudo-protected paths need sudo at the deciding rule", async (t) => {
  fc.assert(
    fc.property(policiesArbitrary, pathArbitrary, fc.constantFrom(...operations), (policies, path, operation) => {
      const acl = compileAcl(policies);
      if (!acl.allowOperation({ path, operation: "help", sudoRequired: true }).allowed) return false;
      const plain = acl.allowOperation({ path, operation });
      const protectedDecision = acl.allowOperation({ path, operation, sudoRequired: true });
      return protectedDecision.allowed === (plain.allowed && plain.sudo);
    }),
    runs,
  );
  t.pass("sudoRequired allows exactly what is allowed with sudo");
});
