/**
 * The policy parser: valid HCL and JSON policies, and every error message
 * with the line (and column) it names.
 */
import t from "tap";
import {
  assertPolicyDeletable,
  assertPolicyWritable,
  decodePolicyText,
  defaultPolicy,
  defaultPolicyText,
  normalizePolicyName,
  type PathRule,
  PolicyParseError,
  parsePolicy,
  responseWrappingPolicy,
} from "./index.js";

function onlyRule(text: string): PathRule {
  const policy = parsePolicy(text);
  if (policy.paths.length !== 1 || policy.paths[0] === undefined) throw new Error("expected one rule");
  return policy.paths[0];
}

t.test("the seed policy parses to four rules with their lines", async (t) => {
  const text = [
    'path "kv/data/myapp/*" {',
    '  capabilities = ["read"]',
    "}",
    "",
    'path "database/creds/myapp" {',
    '  capabilities = ["read"]',
    "}",
    'path "pki/issue/myapp" { capabilities = ["update"] }',
    'path "sys/capabilities-self" { capabilities = ["update"] }',
  ].join("\n");
  const policy = parsePolicy(text, { name: "  MyApp " });
  t.equal(policy.name, "myapp", "names are trimmed and lowercased");
  t.equal(policy.raw, text, "the text is kept as written");
  t.same(
    policy.paths.map((rule) => [rule.pattern, rule.capabilities, rule.line]),
    [
      ["kv/data/myapp/*", ["read"], 1],
      ["database/creds/myapp", ["read"], 5],
      ["pki/issue/myapp", ["update"], 8],
      ["sys/capabilities-self", ["update"], 9],
    ],
  );
  t.equal(policy.templated, false);
  t.same(policy.warnings, []);
  t.ok(Object.isFrozen(policy) && Object.isFrozen(policy.paths) && Object.isFrozen(policy.paths[0]), "frozen");
});

t.test("every path attribute decodes", async (t) => {
  const rule = onlyRule(`
# a comment
// another
/* and a block
   comment */
path "/secret/foo" {
  comment = "kept out of the rule"
  capabilities = ["create", "read", "update", "patch", "delete", "list", "sudo", "subscribe", "recover",]
  allowed_parameters = {
    "Bar" = ["zip", "zap*", 3, true]
    "*" = []
  }
  denied_parameters {
    secret = []
  }
  required_parameters = ["bar"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = 3600
  subscribe_event_types = ["kv*"]
}`);
  t.equal(rule.pattern, "secret/foo", "one leading slash is stripped");
  t.same(rule.capabilities, ["create", "read", "update", "patch", "delete", "list", "sudo", "subscribe", "recover"]);
  t.same({ ...rule.allowedParameters }, { bar: ["zip", "zap*", 3, true], "*": [] }, "parameter names are lowercased");
  t.same({ ...rule.deniedParameters }, { secret: [] }, "the block form of a map works too");
  t.same(rule.requiredParameters, ["bar"]);
  t.equal(rule.minWrappingTtlSeconds, 60);
  t.equal(rule.maxWrappingTtlSeconds, 3600);
  t.same(rule.subscribeEventTypes, ["kv*"]);
  t.equal(rule.line, 6);
});

t.test("the legacy policy shorthand", async (t) => {
  t.same(onlyRule('path "a" { policy = "read" }').capabilities, ["read", "list"]);
  t.same(onlyRule('path "a" { policy = "write" }').capabilities, ["create", "read", "update", "delete", "list"]);
  t.same(onlyRule('path "a" { policy = "sudo" }').capabilities, ["create", "read", "update", "delete", "list", "sudo"]);
  t.same(onlyRule('path "a" { policy = "deny" }').capabilities, ["deny"]);
  t.same(
    onlyRule('path "a" { capabilities = ["patch"] policy = "read" }').capabilities,
    ["patch", "read", "list"],
    "adds to capabilities",
  );
  t.same(onlyRule('path "a" { capabilities = ["read"] policy = "deny" }').capabilities, ["deny"], "deny replaces them");
});

t.test("deny ends a rule, as in Vault: later capabilities and constraints are not read", async (t) => {
  const rule = onlyRule('path "a" { capabilities = ["deny", "bogus"] min_wrapping_ttl = "nonsense" }');
  t.same(rule.capabilities, ["deny"]);
  t.equal(rule.minWrappingTtlSeconds, 0);
});

t.test("JSON policies, in both shapes HCL accepts", async (t) => {
  const objectForm = parsePolicy(
    JSON.stringify(
      {
        path: {
          "secret/*": { capabilities: ["read", "list"] },
          "secret/foo": { capabilities: ["update"], allowed_parameters: { bar: ["x"] }, max_wrapping_ttl: "90s" },
        },
      },
      null,
      2,
    ),
  );
  t.same(
    objectForm.paths.map((rule) => [rule.pattern, rule.capabilities, rule.line]),
    [
      ["secret/*", ["read", "list"], 3],
      ["secret/foo", ["update"], 9],
    ],
  );
  t.same({ ...objectForm.paths[1]?.allowedParameters }, { bar: ["x"] });
  t.equal(objectForm.paths[1]?.maxWrappingTtlSeconds, 90);
  const listForm = parsePolicy('{"path": [{"a": {"capabilities": ["read"]}}, {"b": {"policy": "write"}}]}');
  t.same(
    listForm.paths.map((rule) => rule.pattern),
    ["a", "b"],
  );
});

t.test("other accepted forms", async (t) => {
  t.same(parsePolicy("").paths, [], "empty text is an empty policy");
  t.same(parsePolicy("# nothing but a comment\n").paths, []);
  t.same(
    parsePolicy('name = "ignored"\npath "a" { capabilities = ["read"] }').paths.length,
    1,
    "a top-level name is accepted",
  );
  t.same(parsePolicy('path "a" {}, path "b" {}').paths.length, 2, "HCL1 accepts commas between items");
  t.same(onlyRule('path "a" {}').capabilities, [], "a rule may grant nothing");
  t.same(onlyRule('path a { capabilities = ["read"] }').pattern, "a", "an identifier works as a label");
  t.equal(onlyRule('path "a\\u00e9\\t" {}').pattern, "aé\t", "escapes in strings");
  const heredoc = onlyRule('path "a" {\n  comment = <<EOT\nfree text\nEOT\n  capabilities = ["read"]\n}');
  t.same(heredoc.capabilities, ["read"]);
  t.equal(parsePolicy('path "a" {}\npath "a" {}').paths.length, 2, "a repeated path is two rules (merged by the ACL)");
});

t.test("templates and wildcards are recorded; a mid-path `*` is accepted with a warning", async (t) => {
  const templated = parsePolicy('path "secret/{{identity.entity.id}}/*" { capabilities = ["read"] }');
  t.equal(templated.templated, true);
  t.equal(templated.paths[0]?.templated, true);
  const midGlob = parsePolicy('path "secret/*/config" { capabilities = ["read"] }');
  t.equal(midGlob.paths[0]?.pattern, "secret/*/config");
  t.match(midGlob.warnings, [/"secret\/\*\/config": "\*" is a wildcard only as the last character/]);
});

t.test("the default policy: Vault's paths and capabilities, in Vault's order", async (t) => {
  t.equal(defaultPolicy.name, "default");
  t.equal(defaultPolicy.raw, defaultPolicyText);
  t.same(
    defaultPolicy.paths.map((rule) => [rule.pattern, rule.capabilities.join(",")]),
    [
      ["auth/token/lookup-self", "read"],
      ["auth/token/renew-self", "update"],
      ["auth/token/revoke-self", "update"],
      ["sys/capabilities-self", "update"],
      ["identity/entity/id/{{identity.entity.id}}", "read"],
      ["identity/entity/name/{{identity.entity.name}}", "read"],
      ["sys/internal/ui/resultant-acl", "read"],
      ["sys/renew", "update"],
      ["sys/leases/renew", "update"],
      ["sys/leases/lookup", "update"],
      ["cubbyhole/*", "create,read,update,delete,list"],
      ["sys/wrapping/wrap", "update"],
      ["sys/wrapping/lookup", "update"],
      ["sys/wrapping/unwrap", "update"],
      ["sys/tools/hash", "update"],
      ["sys/tools/hash/*", "update"],
      ["sys/control-group/request", "update"],
      ["identity/oidc/provider/+/authorize", "read,update"],
    ],
  );
  t.equal(defaultPolicy.templated, true);
  t.same(parsePolicy(defaultPolicyText).paths, defaultPolicy.paths, "the text passes the reference HCL check too");
  t.same(
    responseWrappingPolicy.paths.map((rule) => [rule.pattern, rule.capabilities.join(",")]),
    [
      ["cubbyhole/response", "create,read"],
      ["sys/wrapping/unwrap", "update"],
    ],
  );
});

/** [text, message, line, column]: column undefined where only the line is meaningful. */
const errorCases: ReadonlyArray<readonly [string, string, number, number | undefined]> = [
  // Syntax, with the text hashicorp/hcl v1 gives (checked by the reference parser).
  [
    'path "a" {\n  capabilities = ["read"]\n',
    "failed to parse policy: At 3:2: object expected closing RBRACE got: EOF",
    3,
    2,
  ],
  [
    'path "a" {\n  capabilities = ["read" "list"]\n}',
    "failed to parse policy: At 2:26: error parsing list, expected comma or list end, got: STRING",
    2,
    26,
  ],
  ['path "a {}', "failed to parse policy: At 1:11: literal not terminated", 1, 11],
  ["path 'a' {}", "failed to parse policy: At 1:6: illegal char", 1, 6],
  ['path "a" {}\n}', "failed to parse policy: At 2:1: expected: IDENT | STRING | ASSIGN | LBRACE got: RBRACE", 2, 1],
  [
    'path "a" {}\npath "b"',
    "failed to parse policy: At 2:9: key 'path \"b\"' expected start of object ('{') or assignment ('=')",
    2,
    9,
  ],
  [
    'path "a" = { capabilities = ["read"] }',
    "failed to parse policy: At 1:10: nested object expected: LBRACE got: ASSIGN",
    1,
    10,
  ],
  ['path "a" { x = "\\q" }', "failed to parse policy: At 1:18: illegal char escape", 1, 18],
  // JSON syntax (our strict reader: HCL1's JSON reader silently drops some malformed input).
  [
    '{\n  "path": {\n    "a": {"capabilities": ["read",]}\n  }\n}',
    'failed to parse policy: At 3:35: unexpected character "]"',
    3,
    35,
  ],
  ['{"path": }', 'failed to parse policy: At 1:10: unexpected character "}"', 1, 10],
  // Vault's semantic checks, each with its line.
  ['path "a" { capabilities = ["read"] }\nfoo "x" {}', 'failed to parse policy: invalid key "foo" on line 2', 2, 1],
  [
    'path "a" {\n  capabilities = ["read"]\n  capabilites = ["list"]\n}',
    'failed to parse policy: path "a": invalid key "capabilites" on line 3',
    3,
    3,
  ],
  [
    'path "a" {\n  capabilities = ["read", "raed"]\n}',
    'failed to parse policy: path "a": invalid capability "raed" on line 2',
    2,
    27,
  ],
  [
    'path "a" { capabilities = ["Read"] }',
    'failed to parse policy: path "a": invalid capability "Read" on line 1',
    1,
    28,
  ],
  ['path "a" {\n  policy = "admin"\n}', 'failed to parse policy: path "a": invalid policy "admin" on line 2', 2, 12],
  [
    'path "a/+*" { capabilities = ["read"] }',
    "failed to parse policy: path \"a/+*\": invalid use of wildcards ('+*' is forbidden) on line 1",
    1,
    6,
  ],
  [
    '\npath "a" {\n  min_wrapping_ttl = "abc"\n}',
    'failed to parse policy: path "a": error parsing min_wrapping_ttl: time: invalid duration "abc" on line 3',
    3,
    22,
  ],
  [
    'path "a" {\n  max_wrapping_ttl = true\n}',
    'failed to parse policy: path "a": error parsing max_wrapping_ttl: time: invalid duration "true" on line 2',
    2,
    22,
  ],
  [
    'path "a" {\n  min_wrapping_ttl = "2m"\n  max_wrapping_ttl = "1m"\n}',
    'failed to parse policy: path "a": max_wrapping_ttl cannot be less than min_wrapping_ttl on line 3',
    3,
    3,
  ],
  [
    'path "a/{{identity.entity.id}" {}',
    "failed to parse policy: failed to validate policy templating: unbalanced templating characters on line 1",
    1,
    6,
  ],
  [
    'path "a" { allowed_parameters = { "b*" = [] } }',
    'failed to parse policy: path "a": allowed_parameters: parameter key "b*" cannot contain non-tail wildcards on line 1',
    1,
    35,
  ],
  [
    'path "a" { required_parameters = ["*"] }',
    'failed to parse policy: path "a": required_parameters: parameter key "*": wildcard is not permitted here on line 1',
    1,
    34,
  ],
  // Coffer's own checks, where Vault would silently misread the policy.
  [
    'path "a" {\n  capabilities = "read"\n}',
    'failed to parse policy: path "a": capabilities must be a list on line 2',
    2,
    18,
  ],
  [
    'path "a" { capabilities = [1] }',
    'failed to parse policy: path "a": capabilities must be a list of strings on line 1',
    1,
    28,
  ],
  [
    'path "a" {\n  capabilities = ["read"]\n  capabilities = ["list"]\n}',
    'failed to parse policy: path "a": duplicate key "capabilities" on line 3',
    3,
    3,
  ],
  [
    'path "a" { allowed_parameters = { "B" = [], "b" = ["x"] } }',
    'failed to parse policy: path "a": allowed_parameters: duplicate parameter key "b" on line 1',
    1,
    45,
  ],
  [
    'path "a" { allowed_parameters = { "b" = "x" } }',
    'failed to parse policy: path "a": allowed_parameters: parameter "b" must be a list of values on line 1',
    1,
    41,
  ],
  [
    'path "a" { denied_parameters = { "/x/y" = [] } }',
    'failed to parse policy: path "a": denied_parameters: parameter key "/x/y": JSON pointer parameter keys are not supported on line 1',
    1,
    34,
  ],
  [
    'path "a" {\n  control_group = {}\n}',
    'failed to parse policy: path "a": "control_group" is a Vault Enterprise feature that Coffer does not enforce on line 2',
    2,
    3,
  ],
  [
    'path "a" { mfa_methods = ["m"] }',
    'failed to parse policy: path "a": "mfa_methods" is a Vault Enterprise feature that Coffer does not enforce on line 1',
    1,
    12,
  ],
  [
    'path { capabilities = ["read"] }',
    'failed to parse policy: path must be written as path "<pattern>" { ... } on line 1',
    1,
    1,
  ],
  [
    'path "a" "b" { capabilities = ["read"] }',
    'failed to parse policy: path "a": unexpected label "b" on line 1',
    1,
    10,
  ],
  ['{"path": {"a": ["read"]}}', 'failed to parse policy: path "a": rules must be an object on line 1', 1, 16],
  [
    '{"path": {"a": {"capabilities": ["nope"]}}}',
    'failed to parse policy: path "a": invalid capability "nope" on line 1',
    1,
    34,
  ],
];

t.test(`parse errors name their line (${errorCases.length} cases)`, async (t) => {
  for (const [text, message, line, column] of errorCases) {
    const error = (() => {
      try {
        parsePolicy(text);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    if (!(error instanceof PolicyParseError)) {
      t.fail(`${JSON.stringify(text)} was accepted or failed differently: ${String(error)}`);
      continue;
    }
    t.same(
      {
        message: error.message,
        line: error.line,
        column: column === undefined ? undefined : error.column,
        status: error.status,
      },
      { message, line, column, status: 400 },
      JSON.stringify(text),
    );
  }
});

t.test("a policy that is not text is a 400, not a crash", async (t) => {
  t.throws(() => parsePolicy(42 as unknown as string), {
    message: "failed to parse policy: the policy must be a string",
    status: 400,
  });
});

t.test("policy names and the built-in policies' protection", async (t) => {
  t.equal(normalizePolicyName("  Admins "), "admins");
  t.throws(() => assertPolicyWritable("root"), { message: 'cannot update "root" policy', status: 400 });
  t.throws(() => assertPolicyWritable(" ROOT "), { message: 'cannot update "root" policy' });
  t.throws(() => assertPolicyWritable("response-wrapping"), { message: 'cannot update "response-wrapping" policy' });
  t.throws(() => assertPolicyWritable(""), { message: "policy name missing" });
  t.doesNotThrow(() => assertPolicyWritable("default"), "default can be edited");
  t.throws(() => assertPolicyDeletable("root"), { message: 'cannot delete "root" policy', status: 400 });
  t.throws(() => assertPolicyDeletable("Default"), { message: "cannot delete default policy", status: 400 });
  t.doesNotThrow(() => assertPolicyDeletable("admins"));
});

t.test("the policy body may be base64", async (t) => {
  const text = 'path "a" { capabilities = ["read"] }';
  t.equal(decodePolicyText(Buffer.from(text).toString("base64")), text);
  t.equal(decodePolicyText(text), text, "HCL is never valid base64, so it is kept");
  t.equal(decodePolicyText('{"path": {}}'), '{"path": {}}');
});
