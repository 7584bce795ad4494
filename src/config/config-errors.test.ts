import t from "tap";
import { type ConfigError, isConfigError, parseConfig } from "./index.js";
import { scanSource } from "./source-index.js";

const ok = 'storage "inmem" {}\nlistener "tcp" {\n  tls_disable = true\n}\n';

function errorOf(text: string, fileName = "bad.hcl"): ConfigError {
  try {
    parseConfig(text, fileName, { env: {} });
  } catch (error) {
    if (isConfigError(error)) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

// Each case: the file, and the exact `file:line:column: message` line it must produce.
const cases: Array<[string, string, string]> = [
  ["HCL syntax error", `${ok}ui = \n}`, "bad.hcl:6:1: syntax error: Unknown token"],
  ["unterminated string", `${ok}api_addr = "http://x`, "bad.hcl:5:"],
  [
    "unknown top-level key, with a suggestion",
    `${ok}log_levle = "info"\n`,
    'bad.hcl:5:1: unknown key "log_levle" (did you mean "log_level"?)',
  ],
  [
    "unknown key in a listener",
    `storage "inmem" {}\nlistener "tcp" {\n  tls_disable = true\n  bogus = 1\n}\n`,
    'bad.hcl:4:3: listener "tcp": unknown key "bogus"',
  ],
  [
    "unknown key in listener telemetry",
    `storage "inmem" {}\nlistener "tcp" {\n  tls_disable = true\n  telemetry {\n    unauthenticated = true\n  }\n}\n`,
    'bad.hcl:5:5: listener "tcp" > telemetry: unknown key "unauthenticated"',
  ],
  [
    "unknown key in raft storage",
    `storage "raft" {\n  path = "/d"\n  nodeid = "x"\n}\nlistener "tcp" {\n tls_disable = true\n}\n`,
    'bad.hcl:3:3: storage "raft": unknown key "nodeid" (did you mean "node_id"?)',
  ],
  [
    "unknown key in retry_join",
    `storage "raft" {\n  path = "/d"\n  retry_join {\n    leader_api_addr = "https://a:8200"\n    leader_ca = "x"\n  }\n}\nlistener "tcp" {\n tls_disable = true\n}\n`,
    'bad.hcl:5:5: storage "raft" > retry_join: unknown key "leader_ca"',
  ],
  [
    "unknown key in a seal",
    `${ok}seal "awskms" {\n  kms_key_id = "k"\n  regin = "x"\n}\n`,
    'bad.hcl:7:3: seal "awskms": unknown key "regin" (did you mean "region"?)',
  ],
  [
    "unknown key in telemetry",
    `${ok}telemetry {\n  prometheus_retention = "1h"\n}\n`,
    'bad.hcl:6:3: telemetry: unknown key "prometheus_retention"',
  ],
  [
    "a bool that is not one",
    `storage "inmem" {}\nlistener "tcp" {\n  tls_disable = "yes"\n}\n`,
    'bad.hcl:3:3: listener "tcp": "tls_disable" must be a bool, got string "yes"',
  ],
  [
    "an integer that is not one",
    `storage "raft" {\n  path = "/d"\n  trailing_logs = "many"\n}\nlistener "tcp" {\n tls_disable = true\n}\n`,
    'bad.hcl:3:3: storage "raft": "trailing_logs" must be an integer, got string "many"',
  ],
  [
    "a bad duration",
    `${ok}default_lease_ttl = "10 years"\n`,
    'bad.hcl:5:1: "default_lease_ttl" must be a duration such as "90s" or "72h", got string "10 years"',
  ],
  [
    "a negative duration",
    `${ok}max_lease_ttl = "-1h"\n`,
    'bad.hcl:5:1: "max_lease_ttl" must not be negative, got -3600s',
  ],
  ["a string given a block", `${ok}api_addr {\n}\n`, 'bad.hcl:5:1: "api_addr" must be a string, got a block'],
  ["a block given a scalar", `${ok}telemetry = 5\n`, 'bad.hcl:5:1: "telemetry" must be a block, got number 5'],
  [
    "a list of strings given numbers",
    `${ok}telemetry {\n  prefix_filter = [1, 2]\n}\n`,
    'bad.hcl:6:3: telemetry: "prefix_filter" must be a list of strings, got a list',
  ],
  [
    "default_lease_ttl above max_lease_ttl",
    `${ok}default_lease_ttl = "2h"\nmax_lease_ttl = "1h"\n`,
    'bad.hcl:5:1: "default_lease_ttl" (7200s) must not exceed "max_lease_ttl" (3600s)',
  ],
  [
    "a bad log level",
    `${ok}log_level = "loud"\n`,
    'bad.hcl:5:1: "log_level" must be trace, debug, info, warn or error, got "loud"',
  ],
  [
    "a bad log format",
    `${ok}log_format = "xml"\n`,
    'bad.hcl:5:1: "log_format" must be "standard" or "json", got "xml"',
  ],
  ["no storage", 'listener "tcp" {\n tls_disable = true\n}\n', "bad.hcl:1:1: a storage stanza is required"],
  ["no listener", 'storage "inmem" {}\n', "bad.hcl:1:1: at least one listener is required"],
  [
    "two storages",
    `${ok}storage "file" {\n  path = "/x"\n}\n`,
    'bad.hcl:5:16: storage "file": only one storage stanza is allowed',
  ],
  [
    "an unknown storage type",
    'storage "floppy" {}\nlistener "tcp" {\n tls_disable = true\n}\n',
    'bad.hcl:1:18: storage "floppy": unknown storage type "floppy"',
  ],
  [
    "a Vault storage type Coffer lacks",
    'storage "consul" {}\nlistener "tcp" {\n tls_disable = true\n}\n',
    'bad.hcl:1:18: storage "consul": storage type "consul" is not supported by Coffer',
  ],
  [
    "a storage without a type label",
    'storage {\n  path = "/x"\n}\nlistener "tcp" {\n tls_disable = true\n}\n',
    'bad.hcl:2:3: storage needs a type label, as in storage "type" { ... } (found "path")',
  ],
  [
    "file storage without a path",
    'storage "file" {}\nlistener "tcp" {\n tls_disable = true\n}\n',
    'bad.hcl:1:16: storage "file": "path" is required',
  ],
  [
    "raft storage without a path",
    'storage "raft" {\n  node_id = "a"\n}\nlistener "tcp" {\n tls_disable = true\n}\n',
    'bad.hcl:1:16: storage "raft": "path" is required (or set VAULT_RAFT_PATH)',
  ],
  [
    "a raft node_id with a slash",
    'storage "raft" {\n  path = "/d"\n  node_id = "a/b"\n}\nlistener "tcp" {\n tls_disable = true\n}\n',
    'bad.hcl:3:3: storage "raft": "node_id" may hold only letters',
  ],
  [
    "performance_multiplier above 10",
    'storage "raft" {\n  path = "/d"\n  performance_multiplier = 11\n}\nlistener "tcp" {\n tls_disable = true\n}\n',
    'bad.hcl:3:3: storage "raft": "performance_multiplier" must be at most 10, got 11',
  ],
  [
    "retry_join without a leader",
    'storage "raft" {\n  path = "/d"\n  retry_join {\n  }\n}\nlistener "tcp" {\n tls_disable = true\n}\n',
    'bad.hcl:3:14: storage "raft" > retry_join: "leader_api_addr" is required',
  ],
  [
    "retry_join with auto_join",
    'storage "raft" {\n  path = "/d"\n  retry_join {\n    auto_join = "provider=aws"\n  }\n}\nlistener "tcp" {\n tls_disable = true\n}\n',
    'bad.hcl:4:5: storage "raft" > retry_join: "auto_join" (cloud auto-discovery) is not supported',
  ],
  [
    "retry_join with a host instead of a URL",
    'storage "raft" {\n  path = "/d"\n  retry_join {\n    leader_api_addr = "coffer-1:8200"\n  }\n}\nlistener "tcp" {\n tls_disable = true\n}\n',
    'bad.hcl:4:5: storage "raft" > retry_join: "leader_api_addr" must be an http(s) URL',
  ],
  [
    "retry_join with a CA file and inline CA",
    'storage "raft" {\n  path = "/d"\n  retry_join {\n    leader_api_addr = "https://a:1"\n    leader_ca_cert_file = "/x"\n    leader_ca_cert = "y"\n  }\n}\nlistener "tcp" {\n tls_disable = true\n}\n',
    'bad.hcl:6:5: storage "raft" > retry_join: set "leader_ca_cert_file" or "leader_ca_cert", not both',
  ],
  [
    "TLS on without cert or key",
    'storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:8200"\n}\n',
    'bad.hcl:2:16: listener "tcp": "tls_cert_file" is required unless tls_disable = true',
  ],
  [
    "a bad TLS version",
    'storage "inmem" {}\nlistener "tcp" {\n  tls_cert_file = "c"\n  tls_key_file = "k"\n  tls_min_version = "ssl3"\n}\n',
    'bad.hcl:5:3: listener "tcp": "tls_min_version" must be one of tls10, tls11, tls12, tls13, got "ssl3"',
  ],
  [
    "client certs required without a CA",
    'storage "inmem" {}\nlistener "tcp" {\n  tls_cert_file = "c"\n  tls_key_file = "k"\n  tls_require_and_verify_client_cert = true\n}\n',
    'bad.hcl:5:3: listener "tcp": "tls_client_ca_file" is required to verify client certificates',
  ],
  [
    "a listener address without a port",
    'storage "inmem" {}\nlistener "tcp" {\n  address = "0.0.0.0"\n  tls_disable = true\n}\n',
    'bad.hcl:3:3: listener "tcp": "address" must be host:port, got "0.0.0.0"',
  ],
  [
    "a go-sockaddr template",
    'storage "inmem" {}\nlistener "tcp" {\n  address = "{{ GetPrivateIP }}:8200"\n  tls_disable = true\n}\n',
    'bad.hcl:3:3: listener "tcp": "address" templates (go-sockaddr) are not supported',
  ],
  [
    "a unix listener",
    'storage "inmem" {}\nlistener "unix" {\n  address = "/tmp/s"\n}\n',
    'bad.hcl:2:17: listener "unix": listener type "unix" is not supported; use "tcp"',
  ],
  [
    "a Vault listener key Coffer lacks",
    'storage "inmem" {}\nlistener "tcp" {\n  tls_disable = true\n  proxy_protocol_behavior = "use_always"\n}\n',
    'bad.hcl:4:3: listener "tcp": "proxy_protocol_behavior" is not supported: the PROXY protocol is not implemented',
  ],
  [
    "api_addr that is not a URL",
    `${ok}api_addr = "coffer:8200"\n`,
    'bad.hcl:5:1: "api_addr" must be a URL such as https://coffer-0.example:8200, got "coffer:8200"',
  ],
  [
    "cluster_addr equal to api_addr",
    `${ok}api_addr = "https://a:8200"\ncluster_addr = "https://a:8200"\n`,
    'bad.hcl:6:1: "cluster_addr" must differ from "api_addr"',
  ],
  [
    "awskms without a key id",
    `${ok}seal "awskms" {\n  region = "x"\n}\n`,
    'bad.hcl:5:15: seal "awskms": "kms_key_id" is required (or set VAULT_AWSKMS_SEAL_KEY_ID)',
  ],
  [
    "awskms with half a credential",
    `${ok}seal "awskms" {\n  kms_key_id = "k"\n  access_key = "a"\n}\n`,
    'bad.hcl:7:3: seal "awskms": set both access_key and secret_key, or neither',
  ],
  [
    "transit without its required fields",
    `${ok}seal "transit" {\n  address = "https://v:8200"\n}\n`,
    'bad.hcl:5:16: seal "transit": "key_name" is required',
  ],
  [
    "an unknown seal type",
    `${ok}seal "pkcs11" {}\n`,
    'bad.hcl:5:15: seal "pkcs11": seal type "pkcs11" is not supported',
  ],
  [
    "two active seals",
    `${ok}seal "shamir" {}\nseal "awskms" {\n  kms_key_id = "k"\n}\n`,
    "bad.hcl:6:1: two seal stanzas must be one active and one with disabled = true",
  ],
  ["a key set twice", `${ok}ui = true\nui = false\n`, 'bad.hcl:6:1: "ui" is set more than once'],
  [
    "an unsupported top-level stanza",
    `${ok}ha_storage "raft" {\n  path = "/x"\n}\n`,
    'bad.hcl:5:1: "ha_storage" is not supported: storage "raft" provides HA itself',
  ],
  [
    "disable_clustering with raft",
    'storage "raft" {\n path = "/d"\n}\nlistener "tcp" {\n tls_disable = true\n}\ndisable_clustering = true\n',
    'bad.hcl:7:1: "disable_clustering" cannot be used with storage "raft"',
  ],
  [
    "an integer too large for HCL",
    `${ok}cache_size = 99999999999999999999\n`,
    "bad.hcl:5:14: syntax error: strconv.ParseInt",
  ],
];

t.test("every config error names the file, line and column", async (t) => {
  for (const [name, text, expected] of cases) {
    const error = errorOf(text);
    t.ok(
      error.message.split("\n").some((line) => line.startsWith(expected)),
      `${name}: expected a line starting with ${JSON.stringify(expected)}, got ${JSON.stringify(error.message)}`,
    );
    t.equal(error.code, "invalid_request", `${name}: typed as invalid_request`);
  }
});

t.test("all problems of a file are reported at once, in line order", async (t) => {
  const error = errorOf('storage "raft" {\n  pth = "/d"\n}\nlistener "tcp" {\n  tls_disable = "nope"\n}\nui = 3\n');
  const lines = error.message.split("\n");
  t.equal(error.problems.length, lines.length);
  t.match(lines[0], /^bad\.hcl:1:16: storage "raft": "path" is required/);
  t.match(lines[1], /^bad\.hcl:2:3: storage "raft": unknown key "pth" \(did you mean "path"\?\)/);
  t.match(lines[2], /^bad\.hcl:5:3: listener "tcp": "tls_disable" must be a bool/);
  t.match(lines[3], /^bad\.hcl:7:1: "ui" must be a bool, got number 3/);
});

t.test("JSON files report syntax and semantic errors with positions", async (t) => {
  const syntax = errorOf('{\n  "storage": {"inmem": {}},\n  "ui": \n}\n', "bad.json");
  t.match(syntax.message, /^bad\.json:4:1: syntax error: /);
  const semantic = errorOf(
    '{\n  "storage": {"inmem": {}},\n  "listener": [{"tcp": {"tls_disable": true}}, {"tcp": {\n    "tls_disable": true,\n    "adress": "x"\n  }}]\n}\n',
    "bad.json",
  );
  t.match(semantic.message, /^bad\.json:5:5: listener "tcp": unknown key "adress"/);
  const topLevel = errorOf(
    '{"storage": {"inmem": {}}, "listener": {"tcp": {"tls_disable": true}}, "ui": "sure"}',
    "bad.json",
  );
  t.match(topLevel.message, /^bad\.json:1:72: "ui" must be a bool, got string "sure"/);
  const notObject = errorOf("[1, 2]", "bad.json");
  t.match(notObject.message, /^bad\.json:1:1: the file must hold a JSON object/);
});

t.test("the position scanner follows HCL1's lexical forms", async (t) => {
  const root = scanSource(
    [
      "# comment",
      "// comment",
      "/* block",
      "   comment */",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL interpolation, not a JS template
      'a = "x${func("y")}z"',
      "b = <<EOF",
      "  text with } and {",
      "EOF",
      "c = <<-EOT",
      "    indented",
      "    EOT",
      'd "e" "f" {',
      "  g = [1, 2.5, -3, 0x1f, true, { h = 1 }]",
      "}",
      "i = { j = 1 }",
    ].join("\n"),
  );
  t.equal(root.kind, "object");
  if (root.kind !== "object") return;
  t.same(
    root.items.map((node) => [node.key, node.position.line, node.position.column]),
    [
      ["a", 5, 1],
      ["b", 6, 1],
      ["c", 9, 1],
      ["d", 12, 1],
      ["i", 15, 1],
    ],
  );
  const d = root.items[3]?.value;
  t.equal(d?.kind === "object" ? d.items[0]?.key : undefined, "e", "labels nest like the parser's output");
  t.throws(() => scanSource('a = "open'), { name: "SourceScanError" });
  t.throws(() => scanSource("a = ?"), { name: "SourceScanError" });
});
