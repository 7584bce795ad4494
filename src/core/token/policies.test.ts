/**
 * Which policies a child token gets (Vault's resolveTokenPolicies), as a
 * table: each row names the Vault rule it pins. Plus the glob and CIDR
 * helpers roles and tokens use.
 */
import t from "tap";
import { addressAllowed, validateCidrs } from "./bound-cidrs.js";
import { globMatch, type PolicyResolutionInput, resolveTokenPolicies } from "./policies.js";
import { newTokenRole, type TokenRole } from "./roles.js";

function role(changes: Partial<TokenRole>): TokenRole {
  return { ...newTokenRole("r"), ...changes };
}

interface PolicyCase {
  readonly rule: string;
  readonly input: Partial<PolicyResolutionInput>;
  readonly policies?: string[];
  readonly error?: string;
}

const parent = ["default", "dev", "ops"];

const cases: PolicyCase[] = [
  {
    rule: "no policies asked: the parent's, default only because the parent has it",
    input: {},
    policies: ["default", "dev", "ops"],
  },
  {
    rule: "inheriting from a parent without default does not add it",
    input: { parentPolicies: ["dev"] },
    policies: ["dev"],
  },
  {
    rule: "a subset of the parent, default added since the parent has it",
    input: { requested: ["dev"] },
    policies: ["default", "dev"],
  },
  {
    rule: "subset without default when the parent lacks it",
    input: { requested: ["dev"], parentPolicies: ["dev", "ops"] },
    policies: ["dev"],
  },
  {
    rule: "not a subset and not sudo: refused",
    input: { requested: ["admin"] },
    error: "child policies must be subset of parent",
  },
  {
    rule: "sudo may give any policies, default added",
    input: { requested: ["admin"], callerIsSudo: true },
    policies: ["admin", "default"],
  },
  {
    rule: "no_default_policy removes default whatever added it",
    input: { requested: ["dev", "default"], noDefaultPolicy: true },
    policies: ["dev"],
  },
  {
    rule: "names are trimmed, lowercased, deduplicated and sorted",
    input: { requested: [" Ops", "dev", "DEV", ""], callerIsSudo: true },
    policies: ["default", "dev", "ops"],
  },
  { rule: "root alone when present", input: { requested: ["root", "dev"], callerIsSudo: true }, policies: ["root"] },
  {
    rule: "response-wrapping cannot be assigned",
    input: { requested: ["response-wrapping"], callerIsSudo: true },
    error: 'cannot assign policy "response-wrapping"',
  },
  {
    rule: "role with allowed list: no request takes the allowed list plus default",
    input: { role: role({ allowedPolicies: ["app", "db"] }) },
    policies: ["app", "db", "default"],
  },
  {
    rule: "role with allowed list: a request must be a subset (default allowed implicitly)",
    input: { requested: ["app"], role: role({ allowedPolicies: ["app", "db"] }) },
    policies: ["app", "default"],
  },
  {
    rule: "role allowed list ignores the parent: policies the parent lacks are fine",
    input: { requested: ["app"], role: role({ allowedPolicies: ["app"] }), parentPolicies: ["default"] },
    policies: ["app", "default"],
  },
  {
    rule: "role with allowed list refuses others, Vault's message",
    input: { requested: ["ops"], role: role({ allowedPolicies: ["app"], allowedPoliciesGlob: ["db-*"] }) },
    error:
      'token policies (["default" "ops"]) must be subset of the role\'s allowed policies (["app" "default"]) or glob policies (["db-*"])',
  },
  {
    rule: "role allowed globs admit matching names",
    input: { requested: ["db-read"], role: role({ allowedPolicies: ["app"], allowedPoliciesGlob: ["db-*"] }) },
    policies: ["db-read", "default"],
  },
  {
    rule: "role with only a disallowed list: parent's policies, checked against it",
    input: { role: role({ disallowedPolicies: ["ops"] }) },
    error: 'token policy "ops" is disallowed by this role',
  },
  {
    rule: "role disallowed list lets others through",
    input: { requested: ["dev"], role: role({ disallowedPolicies: ["ops"] }) },
    policies: ["default", "dev"],
  },
  {
    rule: "role disallowed globs",
    input: { requested: ["prod-admin"], role: role({ disallowedPoliciesGlob: ["prod-*"] }) },
    error: 'token policy "prod-admin" is disallowed by this role',
  },
  {
    rule: "a role disallowing default leaves it out",
    input: { requested: ["dev"], role: role({ disallowedPolicies: ["default"] }) },
    policies: ["dev"],
  },
  {
    rule: "a role's token_no_default_policy leaves default out",
    input: { role: role({ allowedPolicies: ["app"], tokenNoDefaultPolicy: true }) },
    policies: ["app"],
  },
  {
    rule: "a role without lists behaves like no role (subset of parent)",
    input: { requested: ["admin"], role: role({}) },
    error: "child policies must be subset of parent",
  },
];

t.test("policy resolution matches Vault's resolveTokenPolicies", async (t) => {
  for (const testCase of cases) {
    const input: PolicyResolutionInput = {
      requested: [],
      noDefaultPolicy: false,
      role: undefined,
      parentPolicies: parent,
      callerIsSudo: false,
      ...testCase.input,
    };
    if (testCase.error !== undefined) {
      t.throws(() => resolveTokenPolicies(input), { code: "invalid_request", message: testCase.error }, testCase.rule);
    } else {
      t.same(resolveTokenPolicies(input), testCase.policies, testCase.rule);
    }
  }
});

t.test("globs: `*` matches any run of characters, anywhere", async (t) => {
  const matches: Array<[string, string, boolean]> = [
    ["db-*", "db-read", true],
    ["db-*", "db-", true],
    ["db-*", "db", false],
    ["*-admin", "prod-admin", true],
    ["a*b*c", "axxbyyc", true],
    ["a*b*c", "axxcyyb", false],
    ["*", "", true],
    ["exact", "exact", true],
    ["exact", "exactly", false],
    ["ab*ba", "aba", false],
  ];
  for (const [pattern, value, expected] of matches)
    t.equal(globMatch(pattern, value), expected, `${pattern} ~ ${value}`);
});

t.test("bound CIDRs: networks and single hosts, IPv4-mapped addresses, bad input is a 400", async (t) => {
  t.ok(addressAllowed(["10.0.0.0/8"], "10.1.2.3"));
  t.notOk(addressAllowed(["10.0.0.0/8"], "11.1.2.3"));
  t.ok(addressAllowed(["127.0.0.1"], "::ffff:127.0.0.1"), "IPv4-mapped IPv6 counts as IPv4");
  t.ok(addressAllowed(["fd00::/8"], "fd12::1"));
  t.notOk(addressAllowed(["10.0.0.0/8"], ""), "no address, no access");
  t.same(validateCidrs([" 10.0.0.0/8", "::1"]), ["10.0.0.0/8", "::1"]);
  for (const bad of ["10.0.0.0/33", "nope", "10.0.0.0/8/1", "10.0.0.0/x"]) {
    t.throws(() => validateCidrs([bad]), { code: "invalid_request" }, bad);
  }
});
