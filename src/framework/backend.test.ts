import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import t from "tap";
import type { Request } from "../logical/index.js";
import { InmemStorage } from "../logical/testing.js";
import { FrameworkBackend } from "./backend.js";
import { mergePatch } from "./merge-patch.js";
import { definePath } from "./path.js";
import {
  compilePattern,
  genericNameRegex,
  matchAllNoTrailingSlashRegex,
  matchAllRegex,
  matchPattern,
  optionalParameter,
} from "./patterns.js";
import { BackendHarness, testRequest } from "./testing.js";

t.test("patterns match the whole path and capture named groups (Go's (?P<..>) accepted)", async (t) => {
  const role = compilePattern(`roles/${genericNameRegex("name")}`);
  t.same(matchPattern(role, "roles/web-1"), { name: "web-1" });
  t.equal(matchPattern(role, "roles/web/extra"), undefined, "no partial match at the end");
  t.equal(matchPattern(role, "xroles/web"), undefined, "no partial match at the start");
  t.equal(matchPattern(role, "roles/-web"), undefined);
  const alternation = compilePattern("a|b");
  t.ok(matchPattern(alternation, "a"));
  t.equal(matchPattern(alternation, "ab"), undefined, "alternation is anchored as a whole");
  const optional = compilePattern(`creds${optionalParameter("name")}`);
  t.same(matchPattern(optional, "creds"), { name: "" }, "an optional group that took no part reads as empty");
  t.same(matchPattern(optional, "creds/x/y"), { name: "x/y" });
  t.same(matchPattern(compilePattern(`data/(?P<path>.+)`), "data/a/b"), { path: "a/b" });
  const all = compilePattern(matchAllRegex("path"));
  t.same(matchPattern(all, ""), { path: "" });
  const key = compilePattern(`data/${matchAllNoTrailingSlashRegex("path")}`);
  t.same(matchPattern(key, "data/a/b"), { path: "a/b" });
  t.equal(matchPattern(key, "data/a/"), undefined, "a folder is not a key");
  t.equal(matchPattern(key, "data/"), undefined);
});

function sampleBackend(calls: string[]) {
  const record = (name: string) => async (request: Request) => {
    calls.push(`${name}:${request.operation}`);
    return { data: { handled: name } };
  };
  return new FrameworkBackend({
    type: "sample",
    help: "A sample backend.",
    specialPaths: { root: ["roles/admin"], unauthenticated: ["login"] },
    secretTypes: [
      {
        type: "creds",
        defaultTtlSeconds: 60,
        revoke: async (request) => ({ data: { revoked: request.secret?.internalData["username"] } }),
      },
    ],
    paths: [
      definePath({
        pattern: `roles/${genericNameRegex("name")}`,
        fields: {
          name: { type: "string", description: "Role name." },
          ttl: { type: "duration", description: "Lease TTL.", default: "1h" },
          policies: { type: "comma-string-slice", description: "Policies." },
        },
        existenceCheck: async (request) => request.data["exists"] === true,
        operations: {
          read: {
            summary: "Read a role.",
            handler: async (_request, data) => ({
              data: { name: data.get("name"), ttl: data.get("ttl"), policies: data.get("policies") },
            }),
          },
          update: record("roles-update"),
          delete: async () => undefined,
        },
        helpSynopsis: "Manage roles.",
        helpDescription: "Roles decide what credentials look like.",
      }),
      definePath({
        pattern: "roles/?$",
        operations: { list: async () => ({ data: { keys: ["a"] } }) },
        helpSynopsis: "List roles.",
      }),
      definePath({
        pattern: "login",
        fields: { password: { type: "string", description: "Password.", display: { sensitive: true } } },
        existenceCheck: async () => false,
        operations: { create: record("login-create"), update: record("login-update") },
        helpSynopsis: "Log in.",
      }),
      definePath({
        pattern: "anything/.*",
        takesArbitraryInput: true,
        operations: { update: async (request) => ({ data: { ...request.data } }) },
        helpSynopsis: "Stores anything.",
      }),
    ],
  });
}

t.test("dispatch: first matching path, typed fields, 404 unsupported path, 405 unsupported operation", async (t) => {
  const calls: string[] = [];
  const harness = new BackendHarness(sampleBackend(calls), new InmemStorage());
  t.same(await harness.read("roles/web", { policies: "a, b" }), {
    data: { name: "web", ttl: 3600, policies: ["a", "b"] },
  });
  t.same(await harness.list("roles"), { data: { keys: ["a"] } }, "LIST roles/ goes to the list path");
  await t.rejects(harness.read("nowhere"), { code: "unsupported_path", status: 404, message: "unsupported path" });
  await t.rejects(harness.patch("roles/web"), {
    code: "unsupported_operation",
    status: 405,
    message: "unsupported operation",
  });
  await t.rejects(harness.send("list", "login"), { code: "unsupported_operation" });
  t.equal(await harness.delete("roles/web"), undefined, "a handler's undefined passes through (204 for writes)");
});

t.test("create falls back to the update handler; a declared create handler wins", async (t) => {
  const calls: string[] = [];
  const harness = new BackendHarness(sampleBackend(calls), new InmemStorage());
  t.equal(await harness.writeOperation("roles/web"), "create", "existence check says missing -> create");
  t.equal(await harness.writeOperation("roles/web", { exists: true }), "update");
  await harness.write("roles/web");
  await harness.write("login", { password: "x" });
  await harness.send("update", "login", { password: "x" });
  t.same(calls, ["roles-update:create", "login-create:create", "login-update:update"]);
});

t.test("existence check: checkFound only where a path declares one; bad input is a 400", async (t) => {
  const backend = sampleBackend([]);
  const storage = new InmemStorage();
  t.same(await backend.existenceCheck(testRequest("update", "roles/web", storage)), {
    checkFound: true,
    exists: false,
  });
  t.same(await backend.existenceCheck(testRequest("update", "anything/x", storage)), {
    checkFound: false,
    exists: false,
  });
  await t.rejects(backend.existenceCheck(testRequest("update", "roles/web", storage, { ttl: "never" })), {
    code: "invalid_request",
  });
  await t.rejects(backend.existenceCheck(testRequest("update", "nowhere", storage)), { code: "unsupported_path" });
});

t.test("bad field input is Vault's 400 'Field validation failed: error converting input ...'", async (t) => {
  const harness = new BackendHarness(sampleBackend([]), new InmemStorage());
  await t.rejects(harness.read("roles/web", { ttl: "forever" }), {
    code: "invalid_request",
    status: 400,
    message:
      'Field validation failed: error converting input forever for field "ttl": time: invalid duration "forever"',
  });
});

t.test("warnings: unrecognized parameters are ignored, captures replace body values", async (t) => {
  const harness = new BackendHarness(sampleBackend([]), new InmemStorage());
  const response = await harness.read("roles/web", { zeta: 1, alpha: 2, name: "other" });
  t.equal(response?.data?.["name"], "web", "the URL capture wins over the body");
  t.same(response?.warnings, [
    "Endpoint ignored these unrecognized parameters: [alpha zeta]",
    "Endpoint replaced the value of these parameters with the values captured from the endpoint's path: [name]",
  ]);
  const arbitrary = await harness.send("update", "anything/x", { free: "form" });
  t.same(arbitrary, { data: { free: "form" } }, "takesArbitraryInput paths are not warned about");
  t.equal(
    await harness.delete("roles/web", { junk: 1 }),
    undefined,
    "no response, no warning (Vault adds none to nil)",
  );
});

t.test("help: path help in markdown with an OpenAPI fragment; root help lists the routes", async (t) => {
  const harness = new BackendHarness(sampleBackend([]), new InmemStorage());
  const help = await harness.help("roles/web");
  const text = help.data?.["help"] as string;
  t.match(text, /^Request: {8}roles\/web\nMatching Route: /);
  t.match(text, /Manage roles\./);
  t.match(text, /## PARAMETERS\n\n {4}name \(string\)\n\n {8}Role name\./);
  t.match(text, /ttl \(duration \(sec\)\)/);
  t.match(text, /## DESCRIPTION\n\nRoles decide what credentials look like\./);
  const fragment = help.data?.["openapi"] as { paths: Record<string, unknown> };
  t.same(Object.keys(fragment.paths), ["/roles/{name}"], "the fragment documents the matched path only");
  const root = await harness.help("");
  t.match(root.data?.["help"] as string, /A sample backend\.[\s\S]*## PATHS[\s\S]*Log in\./);
  await t.rejects(harness.help("nowhere"), { code: "unsupported_path" });
  t.same(await harness.send("help", "roles/web"), help, "the help operation answers the same");
});

t.test("renew and revoke reach the secret type named in internalData; auth renew needs a handler", async (t) => {
  const backend = sampleBackend([]);
  const storage = new InmemStorage();
  const issued = backend.secretResponse("creds", { username: "u1" }, { username: "u1" });
  t.same(issued.secret, {
    ttlSeconds: 60,
    maxTtlSeconds: 0,
    renewable: false,
    internalData: { username: "u1", secret_type: "creds" },
  });
  const secret = issued.secret;
  if (!secret) throw new Error("no secret");
  t.same(await backend.handle(testRequest("revoke", "", storage, {}, { secret })), { data: { revoked: "u1" } });
  await t.rejects(backend.handle(testRequest("renew", "", storage, {}, { secret })), { code: "unsupported_operation" });
  const unknown = { ...secret, internalData: { secret_type: "other" } };
  await t.rejects(backend.handle(testRequest("revoke", "", storage, {}, { secret: unknown })), {
    code: "internal",
    message: "secret is unsupported by this backend",
  });
  await t.rejects(backend.handle(testRequest("revoke", "", storage)), { message: "request has no secret" });
  const auth = { ...secret, clientToken: "", accessor: "", policies: [], tokenPolicies: [], metadata: {} };
  const renewAuth = testRequest(
    "renew",
    "",
    storage,
    {},
    {
      auth: {
        ...auth,
        displayName: "",
        entityId: "",
        tokenType: "service",
        orphan: false,
        numUses: 0,
        periodSeconds: 0,
        explicitMaxTtlSeconds: 0,
      },
    },
  );
  await t.rejects(backend.handle(renewAuth), {
    code: "invalid_request",
    message: "this auth type doesn't support renew",
  });
  t.equal(await backend.handle(testRequest("rollback", "", storage)), undefined);
});

t.test("declaration mistakes fail loudly at definition time", async (t) => {
  t.throws(() => definePath({ pattern: "x", operations: { create: async () => undefined }, helpSynopsis: "" }), {
    name: "AssertionError",
    message: /create but no existence check/,
  });
  t.throws(() => definePath({ pattern: "x", operations: {}, helpSynopsis: "" }), { name: "AssertionError" });
  t.throws(
    () =>
      definePath({
        pattern: "x",
        fields: { ttl: { type: "duration", description: "", default: "soon" } },
        operations: { read: async () => undefined },
        helpSynopsis: "",
      }),
    { name: "AssertionError", message: /default of field "ttl"/ },
  );
  t.throws(() => definePath({ pattern: "", operations: { read: async () => undefined }, helpSynopsis: "" }));
});

t.test("mergePatch follows RFC 7396 (null deletes, objects merge, the rest replaces)", async (t) => {
  t.same(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { a: null, b: { c: null, e: 4 }, f: [1] }), {
    b: { d: 3, e: 4 },
    f: [1],
  });
  t.same(mergePatch({ a: 1 }, "text"), "text");
  t.same(mergePatch([1, 2], { a: 1 }), { a: 1 });
  t.same(mergePatch({ a: [1, 2] }, { a: [3] }), { a: [3] });
  const patched = mergePatch({}, JSON.parse('{"__proto__":{"x":1}}')) as object;
  t.equal(Object.getPrototypeOf(patched), Object.prototype, "a __proto__ key stays data");
  t.same(Object.keys(patched), ["__proto__"]);
});

// fast-check prints the seed and counterexample of a failing run; replay with { seed, path }.
/** JSON objects as a request body parses into (plain prototypes, "__proto__" possibly an own key). */
const jsonObject = fc
  .dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }))
  .map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>);

t.test("property: merge patches are idempotent and an empty patch changes nothing (RFC 7396)", async (t) => {
  fc.assert(
    fc.property(jsonObject, jsonObject, (target, patch) => {
      const once = mergePatch(target, patch);
      return isDeepStrictEqual(mergePatch(once, patch), once) && isDeepStrictEqual(mergePatch(target, {}), target);
    }),
    { numRuns: 200 },
  );
  t.pass("200 random targets and patches");
});

t.test("property: a name route captures exactly the name, and only names match", async (t) => {
  const role = compilePattern(`roles/${genericNameRegex("name")}`);
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), (name) => {
      const captured = matchPattern(role, `roles/${name}`);
      const valid = /^\w(?:[\w.-]*\w)?$/.test(name);
      return captured?.["name"] === (valid ? name : undefined);
    }),
    { numRuns: 300 },
  );
  t.pass("300 random names");
});
