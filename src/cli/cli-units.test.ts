import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { parseArgs } from "./flags.js";
import { columns, headerForMap, table } from "./format/table.js";
import { goValue, humanDuration } from "./format/values.js";
import { toYaml } from "./format/yaml.js";
import { parseKeyValueArgs } from "./kv-args.js";
import { resolveSettings } from "./settings.js";
import { captureIo } from "./testing.js";

const specs = [
  { name: "key-shares", kind: "int", usage: "", aliases: ["n"] },
  { name: "force", kind: "bool", usage: "" },
  { name: "format", kind: "string", usage: "" },
  { name: "policy", kind: "strings", usage: "" },
] as const;

t.test("flags: -f=v, -f v, --f, bools, repeats, interspersed, --", async (t) => {
  const parsed = parseArgs(
    [
      "-key-shares=5",
      "secret/x",
      "--format",
      "json",
      "-force",
      "-policy=a",
      "-policy",
      "b",
      "k=v",
      "--",
      "-not-a-flag",
    ],
    specs,
  );
  t.equal(parsed.flags.int("key-shares"), 5);
  t.equal(parsed.flags.string("format"), "json");
  t.equal(parsed.flags.bool("force"), true);
  t.same(parsed.flags.strings("policy"), ["a", "b"]);
  t.same(parsed.positional, ["secret/x", "k=v", "-not-a-flag"]);
  t.equal(parseArgs(["-n", "3"], specs).flags.int("key-shares"), 3, "aliases");
  t.equal(parseArgs(["-force=false"], specs).flags.bool("force"), false);
  t.same(parseArgs(["-"], specs).positional, ["-"], "a lone dash is an argument (stdin)");
  t.equal(parseArgs(["-h"], specs).help, true);
  t.equal(parseArgs(["--help"], specs).help, true);
  t.throws(() => parseArgs(["-bogus"], specs), {
    name: "UsageError",
    message: "flag provided but not defined: -bogus",
  });
  t.throws(() => parseArgs(["-format"], specs), { message: "flag needs an argument: -format" });
  t.throws(() => parseArgs(["-key-shares=five"], specs), { message: /not an integer/ });
  t.throws(() => parseArgs(["-force=maybe"], specs), { message: /invalid boolean value "maybe"/ });
});

t.test("key=value arguments: @file, \\@, stdin, JSON stdin, repeats", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "coffer-kv-args-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "cert.pem"), "PEM DATA");
  const io = captureIo({});
  t.same(await parseKeyValueArgs(["a=1", `b=@${join(dir, "cert.pem")}`, "c=\\@literal", "d=x=y", "a=2"], io), {
    a: ["1", "2"],
    b: "PEM DATA",
    c: "@literal",
    d: "x=y",
  });
  t.same(await parseKeyValueArgs(["-", "extra=1"], captureIo({ stdin: '{"n": 5, "nested": {"k": true}}' })), {
    n: 5,
    nested: { k: true },
    extra: "1",
  });
  t.same(await parseKeyValueArgs(["value=-"], captureIo({ stdin: "from stdin" })), { value: "from stdin" });
  await t.rejects(parseKeyValueArgs(["novalue"], io), { message: /format must be key=value/ });
  await t.rejects(parseKeyValueArgs(["-"], captureIo({ stdin: "[1]" })), { message: /not a JSON object/ });
  await t.rejects(parseKeyValueArgs(["a=-", "b=-"], captureIo({ stdin: "x" })), { message: /stdin already consumed/ });
  await t.rejects(parseKeyValueArgs([`a=@${join(dir, "missing")}`], io), { message: /error reading file/ });
});

t.test("values print as Vault's CLI prints them", async (t) => {
  t.equal(goValue(null), "<nil>");
  t.equal(goValue(["a", "b"]), "[a b]");
  t.equal(goValue({ b: 1, a: [true] }), "map[a:[true] b:1]");
  t.equal(goValue(3.5), "3.5");
  t.equal(humanDuration(2764800), "768h");
  t.equal(humanDuration(3600), "1h");
  t.equal(humanDuration(3660), "1h1m");
  t.equal(humanDuration(3601), "1h1s");
  t.equal(humanDuration(90), "1m30s");
  t.equal(humanDuration(60), "1m");
  t.equal(humanDuration(0), "0s");
});

t.test("tables: four-space glue, dashes under the header, n/a for empty cells", async (t) => {
  t.equal(
    table(
      ["Key", "Value"],
      [
        ["refresh_interval", "768h"],
        ["foo", "bar"],
        ["empty", ""],
      ],
    ),
    [
      "Key                 Value",
      "---                 -----",
      "refresh_interval    768h",
      "foo                 bar",
      "empty               n/a",
    ].join("\n"),
  );
  t.equal(
    columns([
      ["Key Term", "2"],
      ["Install Time", "01 Jan 24 10:00 UTC"],
    ]),
    "Key Term        2\nInstall Time    01 Jan 24 10:00 UTC",
  );
  t.equal(headerForMap("Data", { foo: 1 }), "=== Data ===");
  t.equal(headerForMap("Metadata", { custom_metadata: 1 }), "======= Metadata =======");
});

t.test("yaml output", async (t) => {
  t.equal(
    toYaml({ b: [1, "two"], a: { nested: null, empty: [] }, "needs quote": "true", count: "123" }),
    ["a:", "  empty: []", "  nested: null", "b:", "- 1", "- two", 'count: "123"', '"needs quote": "true"'].join("\n"),
  );
  t.equal(toYaml([{ a: 1, b: 2 }]), "- a: 1\n  b: 2");
});

t.test("settings: COFFER_* over VAULT_* over defaults, flags over both, token helper file", async (t) => {
  const home = await mkdtemp(join(tmpdir(), "coffer-home-"));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const flags = (argv: string[]) => parseArgs(argv, [{ name: "address", kind: "string", usage: "" }]).flags;
  const defaults = await resolveSettings(flags([]), captureIo({ homeDir: home }));
  t.equal(defaults.address, "https://127.0.0.1:8200");
  t.equal(defaults.token, undefined);
  t.equal(defaults.tls.skipVerify, false);
  await writeFile(join(home, ".vault-token"), "helper-token\n");
  const fromHelper = await resolveSettings(flags([]), captureIo({ homeDir: home }));
  t.equal(fromHelper.token, "helper-token", "~/.vault-token is read when no token variable is set");
  const env = {
    VAULT_ADDR: "http://vault:8200",
    COFFER_ADDR: "http://coffer:8200",
    VAULT_TOKEN: "vault-token",
    COFFER_TOKEN: "coffer-token",
    VAULT_CACERT: "/vault-ca.pem",
    VAULT_SKIP_VERIFY: "true",
    VAULT_CLIENT_CERT: "/c.pem",
    VAULT_CLIENT_KEY: "/k.pem",
    VAULT_CAPATH: "/cas",
    COFFER_CACERT: "/coffer-ca.pem",
    VAULT_CLIENT_TIMEOUT: "5",
  };
  const both = await resolveSettings(flags([]), captureIo({ env, homeDir: home }));
  t.equal(both.address, "http://coffer:8200");
  t.equal(both.token, "coffer-token");
  t.equal(both.tls.caCertFile, "/coffer-ca.pem");
  t.equal(both.tls.caPath, "/cas");
  t.equal(both.tls.skipVerify, true);
  t.equal(both.tls.clientCertFile, "/c.pem");
  t.equal(both.tls.clientKeyFile, "/k.pem");
  t.equal(both.timeoutMs, 5000);
  const vaultOnly = await resolveSettings(
    flags([]),
    captureIo({ env: { VAULT_ADDR: "http://v:1", VAULT_TOKEN: "v" } }),
  );
  t.equal(vaultOnly.address, "http://v:1");
  t.equal(vaultOnly.token, "v");
  const flagged = await resolveSettings(flags(["-address=http://flag:1"]), captureIo({ env, homeDir: home }));
  t.equal(flagged.address, "http://flag:1", "-address beats every variable");
});
