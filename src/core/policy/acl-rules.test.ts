/**
 * The ACL table, continued: parameter constraints, wrapping TTL bounds,
 * merging of those across policies, the root policy, and what
 * `sys/capabilities` answers. Each case names the Vault behaviour it pins.
 */
import t from "tap";
import type { Operation } from "../../logical/index.js";
import {
  type AclReason,
  type CapabilityAnswer,
  compileAcl,
  defaultPolicy,
  type Policy,
  parsePolicy,
  rootPolicy,
} from "./index.js";

const writeFoo = (rules: string) =>
  `path "secret/foo" {\n  capabilities = ["create", "update", "read", "list", "delete", "patch"]\n  ${rules}\n}`;

const parameterPolicies: Record<string, string> = {
  allowedValues: writeFoo(`allowed_parameters = { "bar" = ["zip", "zap"], "baz" = [] }`),
  allowedGlobs: writeFoo(`allowed_parameters = { "bar" = ["zip*", "*zap", "*mid*"] }`),
  allowedLoneStar: writeFoo(`allowed_parameters = { "bar" = ["*"] }`),
  allowedStarKey: writeFoo(`allowed_parameters = { "*" = [], "bar" = ["zip"] }`),
  allowedOnlyStar: writeFoo(`allowed_parameters = { "*" = [] }`),
  deniedValue: writeFoo(`denied_parameters = { "bar" = ["zip"] }`),
  deniedAnyValue: writeFoo(`denied_parameters = { "bar" = [] }`),
  deniedStar: writeFoo(`denied_parameters = { "*" = [] }`),
  deniedAndAllowed: writeFoo(`allowed_parameters = { "bar" = [] }\n  denied_parameters = { "bar" = ["zip"] }`),
  required: writeFoo(`required_parameters = ["bar"]`),
  requiredAndAllowed: writeFoo(`required_parameters = ["bar"]\n  allowed_parameters = { "bar" = [] }`),
  versionRead: writeFoo(`allowed_parameters = { "version" = ["1"] }`),
  typedValues: writeFoo(`allowed_parameters = { "ttl" = [30], "flag" = [true] }`),
  allowedZip: writeFoo(`allowed_parameters = { "bar" = ["zip"] }`),
  allowedZap: writeFoo(`allowed_parameters = { "bar" = ["zap"] }`),
  allowedAny: writeFoo(`allowed_parameters = { "bar" = [] }`),
  noParameters: writeFoo(""),
  deny: `path "secret/foo" { capabilities = ["deny"] }`,
  wrapMax90: writeFoo(`max_wrapping_ttl = "90s"`),
  wrapMin60: writeFoo(`min_wrapping_ttl = "1m"`),
  wrapMax300: writeFoo(`max_wrapping_ttl = 300`),
  wrapMax100: writeFoo(`max_wrapping_ttl = 100`),
  wrapMin10: writeFoo(`min_wrapping_ttl = 10`),
  wrapMin100: writeFoo(`min_wrapping_ttl = 100`),
  wrapMax50: writeFoo(`max_wrapping_ttl = 50`),
};

const parsed = new Map<string, Policy>();
function policyNamed(name: string): Policy {
  if (name === "root") return rootPolicy;
  if (name === "default") return defaultPolicy;
  const cached = parsed.get(name);
  if (cached !== undefined) return cached;
  const text = parameterPolicies[name];
  if (text === undefined) throw new Error(`no policy ${name}`);
  const policy = parsePolicy(text, { name });
  parsed.set(name, policy);
  return policy;
}

interface RuleCase {
  readonly note: string;
  readonly policies: readonly string[];
  readonly operation: Operation;
  readonly data?: Record<string, unknown>;
  readonly wrapTtlSeconds?: number;
  readonly sudoRequired?: boolean;
  readonly path?: string;
  readonly expect: AclReason;
}

const ok: AclReason = "granted";

const ruleCases: readonly RuleCase[] = [
  // allowed_parameters
  {
    note: "an allowed value passes",
    policies: ["allowedValues"],
    operation: "update",
    data: { bar: "zip" },
    expect: ok,
  },
  {
    note: "a value outside the list is refused",
    policies: ["allowedValues"],
    operation: "update",
    data: { bar: "zop" },
    expect: "parameter_not_allowed",
  },
  {
    note: "an empty value list allows any value",
    policies: ["allowedValues"],
    operation: "update",
    data: { baz: "anything" },
    expect: ok,
  },
  {
    note: "a parameter not listed is refused",
    policies: ["allowedValues"],
    operation: "update",
    data: { other: 1 },
    expect: "parameter_not_allowed",
  },
  {
    note: "a request without data passes any parameter rule",
    policies: ["allowedValues"],
    operation: "update",
    data: {},
    expect: ok,
  },
  {
    note: "parameter names compare case-insensitively",
    policies: ["allowedValues"],
    operation: "update",
    data: { BAR: "zip" },
    expect: ok,
  },
  {
    note: "a comma-separated string passes when every element is allowed",
    policies: ["allowedValues"],
    operation: "update",
    data: { bar: "zip, zap" },
    expect: ok,
  },
  {
    note: "a list value passes only when every element is allowed",
    policies: ["allowedValues"],
    operation: "update",
    data: { bar: ["zip", "zop"] },
    expect: "parameter_not_allowed",
  },
  {
    note: "a list value whose elements are all allowed passes",
    policies: ["allowedValues"],
    operation: "update",
    data: { bar: ["zip", "zap"] },
    expect: ok,
  },
  {
    note: "parameters are not checked for delete",
    policies: ["allowedValues"],
    operation: "delete",
    data: { other: 1 },
    expect: ok,
  },
  {
    note: "parameters are not checked for list",
    policies: ["allowedValues"],
    operation: "list",
    path: "secret/foo/",
    data: { other: 1 },
    expect: ok,
  },
  {
    note: "parameters are checked for create",
    policies: ["allowedValues"],
    operation: "create",
    data: { other: 1 },
    expect: "parameter_not_allowed",
  },
  {
    note: "parameters are checked for patch",
    policies: ["allowedValues"],
    operation: "patch",
    data: { bar: "zop" },
    expect: "parameter_not_allowed",
  },
  {
    note: "query parameters of a read are checked too",
    policies: ["versionRead"],
    operation: "read",
    data: { version: "2" },
    expect: "parameter_not_allowed",
  },
  {
    note: "a trailing `*` in a value is a prefix glob",
    policies: ["allowedGlobs"],
    operation: "update",
    data: { bar: "zipper" },
    expect: ok,
  },
  {
    note: "a leading `*` in a value is a suffix glob",
    policies: ["allowedGlobs"],
    operation: "update",
    data: { bar: "bigzap" },
    expect: ok,
  },
  {
    note: "`*` on both sides is a substring match",
    policies: ["allowedGlobs"],
    operation: "update",
    data: { bar: "amidst" },
    expect: ok,
  },
  {
    note: "a value matching no glob is refused",
    policies: ["allowedGlobs"],
    operation: "update",
    data: { bar: "nope" },
    expect: "parameter_not_allowed",
  },
  {
    note: 'a lone `*` value matches only the string "*"',
    policies: ["allowedLoneStar"],
    operation: "update",
    data: { bar: "x" },
    expect: "parameter_not_allowed",
  },
  {
    note: '...and it does match "*"',
    policies: ["allowedLoneStar"],
    operation: "update",
    data: { bar: "*" },
    expect: ok,
  },
  {
    note: "a `*` key allows parameters not listed",
    policies: ["allowedStarKey"],
    operation: "update",
    data: { other: 1 },
    expect: ok,
  },
  {
    note: "listed parameters keep their value lists beside a `*` key",
    policies: ["allowedStarKey"],
    operation: "update",
    data: { bar: "zap" },
    expect: "parameter_not_allowed",
  },
  {
    note: "only a `*` key: everything is allowed",
    policies: ["allowedOnlyStar"],
    operation: "update",
    data: { a: 1, b: "x" },
    expect: ok,
  },
  {
    note: "numbers match numbers by value",
    policies: ["typedValues"],
    operation: "update",
    data: { ttl: 30 },
    expect: ok,
  },
  {
    note: "a number in the policy does not match a string",
    policies: ["typedValues"],
    operation: "update",
    data: { ttl: "30" },
    expect: "parameter_not_allowed",
  },
  { note: "booleans match by value", policies: ["typedValues"], operation: "update", data: { flag: true }, expect: ok },
  {
    note: "a different boolean is refused",
    policies: ["typedValues"],
    operation: "update",
    data: { flag: false },
    expect: "parameter_not_allowed",
  },
  {
    note: "null matches no listed value",
    policies: ["allowedValues"],
    operation: "update",
    data: { bar: null },
    expect: "parameter_not_allowed",
  },

  // denied_parameters and required_parameters
  {
    note: "a denied value is refused",
    policies: ["deniedValue"],
    operation: "update",
    data: { bar: "zip" },
    expect: "parameter_denied",
  },
  {
    note: "another value of a denied parameter passes",
    policies: ["deniedValue"],
    operation: "update",
    data: { bar: "zap" },
    expect: ok,
  },
  {
    note: "parameters not denied pass when nothing is allowed-listed",
    policies: ["deniedValue"],
    operation: "update",
    data: { baz: 1 },
    expect: ok,
  },
  {
    note: "a denied value inside a comma-separated string is refused",
    policies: ["deniedValue"],
    operation: "update",
    data: { bar: "zap,zip" },
    expect: "parameter_denied",
  },
  {
    note: "a denied value inside a list is refused",
    policies: ["deniedValue"],
    operation: "update",
    data: { bar: ["zap", "zip"] },
    expect: "parameter_denied",
  },
  {
    note: "a denied parameter with an empty list is refused whatever its value",
    policies: ["deniedAnyValue"],
    operation: "update",
    data: { bar: "x" },
    expect: "parameter_denied",
  },
  {
    note: "a denied `*` refuses any parameter",
    policies: ["deniedStar"],
    operation: "update",
    data: { x: 1 },
    expect: "parameter_denied",
  },
  {
    note: "a denied `*` still lets an empty request through",
    policies: ["deniedStar"],
    operation: "update",
    data: {},
    expect: ok,
  },
  {
    note: "denied wins over allowed",
    policies: ["deniedAndAllowed"],
    operation: "update",
    data: { bar: "zip" },
    expect: "parameter_denied",
  },
  {
    note: "allowed decides what denied does not name",
    policies: ["deniedAndAllowed"],
    operation: "update",
    data: { bar: "zap" },
    expect: ok,
  },
  {
    note: "a missing required parameter is refused",
    policies: ["required"],
    operation: "update",
    data: {},
    expect: "required_parameter_missing",
  },
  {
    note: "a present required parameter passes",
    policies: ["required"],
    operation: "update",
    data: { bar: 1 },
    expect: ok,
  },
  {
    note: "required does not lift allowed: an extra parameter is refused",
    policies: ["requiredAndAllowed"],
    operation: "update",
    data: { bar: 1, baz: 2 },
    expect: "parameter_not_allowed",
  },

  // The same pattern in several policies: parameter rules merge.
  {
    note: "allowed values from two policies are united (zap)",
    policies: ["allowedZip", "allowedZap"],
    operation: "update",
    data: { bar: "zap" },
    expect: ok,
  },
  {
    note: "allowed values from two policies are united (zip)",
    policies: ["allowedZip", "allowedZap"],
    operation: "update",
    data: { bar: "zip" },
    expect: ok,
  },
  {
    note: "an empty list from either policy means any value",
    policies: ["allowedZip", "allowedAny"],
    operation: "update",
    data: { bar: "anything" },
    expect: ok,
  },
  {
    note: "a policy adding allowed_parameters restricts a path another policy left open",
    policies: ["noParameters", "allowedZip"],
    operation: "update",
    data: { other: 1 },
    expect: "parameter_not_allowed",
  },
  {
    note: "deny from another policy wipes parameter rules",
    policies: ["allowedAny", "deny"],
    operation: "update",
    data: { bar: 1 },
    expect: "explicit_deny",
  },

  // Wrapping TTL bounds.
  {
    note: "max_wrapping_ttl: a request that does not wrap is refused",
    policies: ["wrapMax90"],
    operation: "read",
    expect: "wrapping_required",
  },
  {
    note: "max_wrapping_ttl: wrapping within the bound passes",
    policies: ["wrapMax90"],
    operation: "read",
    wrapTtlSeconds: 60,
    expect: ok,
  },
  {
    note: "max_wrapping_ttl: the bound itself passes",
    policies: ["wrapMax90"],
    operation: "read",
    wrapTtlSeconds: 90,
    expect: ok,
  },
  {
    note: "max_wrapping_ttl: a longer wrap is refused",
    policies: ["wrapMax90"],
    operation: "read",
    wrapTtlSeconds: 120,
    expect: "wrapping_ttl_above_max",
  },
  {
    note: "min_wrapping_ttl: a request that does not wrap is refused",
    policies: ["wrapMin60"],
    operation: "read",
    expect: "wrapping_required",
  },
  {
    note: "min_wrapping_ttl: a shorter wrap is refused",
    policies: ["wrapMin60"],
    operation: "read",
    wrapTtlSeconds: 30,
    expect: "wrapping_ttl_below_min",
  },
  {
    note: "min_wrapping_ttl: the bound itself passes",
    policies: ["wrapMin60"],
    operation: "read",
    wrapTtlSeconds: 60,
    expect: ok,
  },
  {
    note: "merged max bounds keep the smaller",
    policies: ["wrapMax300", "wrapMax100"],
    operation: "read",
    wrapTtlSeconds: 200,
    expect: "wrapping_ttl_above_max",
  },
  {
    note: "merged min bounds keep the smaller",
    policies: ["wrapMin10", "wrapMin100"],
    operation: "read",
    wrapTtlSeconds: 50,
    expect: ok,
  },
  {
    note: "merged bounds where max < min let nothing through (above)",
    policies: ["wrapMin100", "wrapMax50"],
    operation: "read",
    wrapTtlSeconds: 75,
    expect: "wrapping_ttl_above_max",
  },
  {
    note: "merged bounds where max < min let nothing through (below)",
    policies: ["wrapMin100", "wrapMax50"],
    operation: "read",
    wrapTtlSeconds: 40,
    expect: "wrapping_ttl_below_min",
  },
  {
    note: "the wrapping check comes after the capability check",
    policies: ["wrapMax90"],
    operation: "update",
    path: "secret/other",
    expect: "no_matching_rule",
  },

  // Root.
  {
    note: "root: any path, any operation",
    policies: ["root"],
    operation: "delete",
    path: "sys/raw/core/keyring",
    expect: "root",
  },
  {
    note: "root: sudo-protected paths too",
    policies: ["root"],
    operation: "update",
    path: "sys/audit/file",
    sudoRequired: true,
    expect: "root",
  },
  {
    note: "root: parameter and wrapping rules do not apply",
    policies: ["root"],
    operation: "update",
    data: { anything: 1 },
    expect: "root",
  },
];

t.test(`ACL rule table (${ruleCases.length} cases)`, async (t) => {
  for (const ruleCase of ruleCases) {
    const acl = compileAcl(ruleCase.policies.map(policyNamed));
    const request = {
      path: ruleCase.path ?? "secret/foo",
      operation: ruleCase.operation,
      data: ruleCase.data ?? {},
      ...(ruleCase.wrapTtlSeconds === undefined ? {} : { wrapTtlSeconds: ruleCase.wrapTtlSeconds }),
      ...(ruleCase.sudoRequired === undefined ? {} : { sudoRequired: ruleCase.sudoRequired }),
    };
    const decision = acl.allowOperation(request);
    t.equal(decision.reason, ruleCase.expect, `${ruleCase.note} ${JSON.stringify(ruleCase.data ?? {})}`);
    t.equal(
      decision.allowed,
      ruleCase.expect === "granted" || ruleCase.expect === "root",
      "allowed agrees with the reason",
    );
  }
});

t.test("root policy: root privileges, granting policy root", async (t) => {
  const decision = compileAcl([rootPolicy]).allowOperation({ path: "x", operation: "read" });
  t.same(
    {
      allowed: decision.allowed,
      isRoot: decision.isRoot,
      sudo: decision.sudo,
      grantingPolicies: decision.grantingPolicies,
    },
    { allowed: true, isRoot: true, sudo: true, grantingPolicies: ["root"] },
  );
  t.throws(() => compileAcl([rootPolicy, defaultPolicy]), { message: "other policies present along with root" });
});

t.test("granting policies name the policies that granted the capability used", async (t) => {
  const reader = parsePolicy(`path "secret/foo" { capabilities = ["read"] }`, { name: "reader" });
  const writer = parsePolicy(`path "secret/foo" { capabilities = ["read", "update"] }`, { name: "writer" });
  const acl = compileAcl([reader, writer]);
  t.same(acl.allowOperation({ path: "secret/foo", operation: "read" }).grantingPolicies, ["reader", "writer"]);
  t.same(acl.allowOperation({ path: "secret/foo", operation: "update" }).grantingPolicies, ["writer"]);
  t.same(acl.allowOperation({ path: "secret/bar", operation: "update" }).grantingPolicies, []);
});

const seedText = `
path "kv/data/myapp/*" { capabilities = ["read"] }
path "database/creds/myapp" { capabilities = ["read"] }
path "pki/issue/myapp" { capabilities = ["update"] }
path "sys/capabilities-self" { capabilities = ["update"] }
`;

const capabilityCases: ReadonlyArray<readonly [string, readonly string[], string, readonly CapabilityAnswer[]]> = [
  ["seed: the glob's capabilities", [seedText], "kv/data/myapp/x", ["read"]],
  ["seed: nothing matches: deny", [seedText], "kv/data/other/x", ["deny"]],
  ["seed: the exact path", [seedText], "pki/issue/myapp", ["update"]],
  ["seed: sys/capabilities-self itself", [seedText], "sys/capabilities-self", ["update"]],
  ["answers are sorted by name", ["default"], "cubbyhole/x", ["create", "delete", "list", "read", "update"]],
  ["the default policy's lookup-self", ["default"], "auth/token/lookup-self", ["read"]],
  ["a deny rule answers deny alone", [`path "a/*" { capabilities = ["deny"] }`], "a/b", ["deny"]],
  ["an empty capability list answers deny", [`path "a/*" { capabilities = [] }`], "a/b", ["deny"]],
  [
    "sudo is listed",
    [`path "sys/audit/*" { capabilities = ["update", "sudo", "create"] }`],
    "sys/audit/x",
    ["create", "sudo", "update"],
  ],
  [
    "capabilities use list semantics: `dir/` falls back to an exact `dir`",
    [`path "a/b" { capabilities = ["read"] }`],
    "a/b/",
    ["read"],
  ],
  [
    "capabilities use list semantics: `dir/` is decided by the rule for `dir`",
    [`path "s/*" { capabilities = ["read", "list"] }`, `path "s/private/*" { capabilities = ["deny"] }`],
    "s/private/",
    ["list", "read"],
  ],
  [
    "subscribe and recover are reported",
    [`path "e/*" { capabilities = ["subscribe", "recover"] }`],
    "e/x",
    ["recover", "subscribe"],
  ],
  ["no policies: deny", [], "anything", ["deny"]],
];

t.test(`sys/capabilities answers (${capabilityCases.length} cases)`, async (t) => {
  for (const [note, texts, path, expected] of capabilityCases) {
    const policies = texts.map((text, index) =>
      text === "default" ? defaultPolicy : parsePolicy(text, { name: `p${index}` }),
    );
    t.same(compileAcl(policies).capabilities(path), expected, `${note} (${path})`);
  }
  t.same(compileAcl([rootPolicy]).capabilities("anything"), ["root"], "root answers root");
});

t.test("mount visibility for sys/internal/ui/mounts", async (t) => {
  const acl = compileAcl([
    parsePolicy(seedText, { name: "seed" }),
    parsePolicy('path "team/+/kv/*" { capabilities = ["read"] }\npath "blocked/*" { capabilities = ["deny"] }', {
      name: "more",
    }),
  ]);
  const cases: ReadonlyArray<readonly [string, boolean, string]> = [
    ["kv/", true, "a rule under the mount (kv/data/myapp/*) makes it visible"],
    ["database/", true, "an exact rule under the mount makes it visible"],
    ["pki/", true, "pki/issue/myapp is under pki/"],
    ["sys/", true, "sys/capabilities-self is under sys/"],
    ["secret/", false, "nothing under secret/"],
    ["team/a/", true, "a `+` rule whose first segments match the mount"],
    ["team/", true, "...and its parent mount path"],
    ["other/a/", false, "a `+` rule whose fixed segment differs"],
    ["blocked/", false, "a deny rule covering the mount shows nothing"],
  ];
  for (const [mount, visible, note] of cases) t.equal(acl.hasMountAccess(mount), visible, `${note} (${mount})`);
  t.equal(compileAcl([rootPolicy]).hasMountAccess("anything/"), true, "root sees every mount");
  t.equal(compileAcl([]).hasMountAccess("kv/"), false, "no policies see nothing");
});

t.test("the resultant ACL in Vault's shape", async (t) => {
  const acl = compileAcl([
    parsePolicy(seedText, { name: "seed" }),
    parsePolicy(
      'path "secret/foo" {\n  capabilities = ["update", "create"]\n  allowed_parameters = { "a" = ["x"] }\n  max_wrapping_ttl = 60\n}\npath "secret/bar" { capabilities = ["deny"] }\npath "team/+/kv" { capabilities = ["read"] }',
      { name: "more" },
    ),
  ]);
  t.same(acl.resultantAcl(), {
    root: false,
    exact_paths: {
      "database/creds/myapp": { capabilities: ["read"] },
      "pki/issue/myapp": { capabilities: ["update"] },
      "sys/capabilities-self": { capabilities: ["update"] },
      "secret/foo": { capabilities: ["create", "update"], max_wrapping_ttl: 60, allowed_parameters: { a: ["x"] } },
      "secret/bar": { capabilities: ["deny"] },
    },
    glob_paths: { "kv/data/myapp/": { capabilities: ["read"] } },
  });
  t.same(compileAcl([rootPolicy]).resultantAcl(), { root: true });
});
