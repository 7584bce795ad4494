import t from "tap";
import { asOpenApiDocument } from "../../framework/index.js";
import { BackendHarness, testBackendConfig, testRequest } from "../../framework/testing.js";
import { InmemStorage } from "../../logical/testing.js";
import { factory } from "./index.js";

async function kvV1(options: Record<string, string> = {}) {
  const storage = new InmemStorage();
  const backend = await factory(testBackendConfig({ storage, options }));
  return { storage, backend, kv: new BackendHarness(backend, storage) };
}

t.test("the factory serves v1 by default and for version=1, refuses unknown versions", async (t) => {
  for (const options of [{}, { version: "1" }]) {
    const { kv } = await kvV1(options);
    await kv.write("a", { x: "1" });
    t.same((await kv.read("a"))?.data, { x: "1" }, JSON.stringify(options));
  }
  await t.rejects(factory(testBackendConfig({ options: { version: "3" } })), {
    code: "invalid_request",
    message: 'unsupported kv version "3": use 1 or 2',
  });
});

t.test(
  "read returns the stored object with lease_duration = the mount default (Vault: 2764800), no lease",
  async (t) => {
    const { kv, storage } = await kvV1();
    t.equal(await kv.write("app/db", { user: "u", pass: "p", n: 1, nested: { ok: true } }), undefined, "write -> 204");
    t.same(await kv.read("app/db"), {
      data: { user: "u", pass: "p", n: 1, nested: { ok: true } },
      secret: {
        ttlSeconds: 2764800,
        maxTtlSeconds: 0,
        renewable: false,
        internalData: { secret_type: "kv", path: "app/db" },
      },
    });
    t.same(storage.keys(), ["app/db"], "layout: the key itself, at the root of the mount's view");
    t.same(JSON.parse(new TextDecoder().decode(await storage.get("app/db"))), {
      user: "u",
      pass: "p",
      n: 1,
      nested: { ok: true },
    });
  },
);

t.test(
  "a ttl (or lease) key sets lease_duration; an unparsable one keeps the default (Vault passthrough)",
  async (t) => {
    const { kv } = await kvV1();
    await kv.write("a", { ttl: "1h", v: 1 });
    await kv.write("b", { lease: 90 });
    await kv.write("c", { ttl: "soon" });
    t.equal((await kv.read("a"))?.secret?.ttlSeconds, 3600);
    t.equal((await kv.read("b"))?.secret?.ttlSeconds, 90);
    t.equal((await kv.read("c"))?.secret?.ttlSeconds, 2764800);
    t.same((await kv.read("a"))?.data, { ttl: "1h", v: 1 }, "the ttl key stays part of the data");
  },
);

t.test("missing key reads as no response (the core answers 404)", async (t) => {
  const { kv } = await kvV1();
  t.equal(await kv.read("nope"), undefined);
});

t.test("a write replaces the whole object; an empty body is 400 'missing data fields' (Vault)", async (t) => {
  const { kv, storage } = await kvV1();
  await kv.write("a", { x: 1, y: 2 });
  await kv.write("a", { z: 3 });
  t.same((await kv.read("a"))?.data, { z: 3 });
  await t.rejects(kv.write("b", {}), { code: "invalid_request", status: 400, message: "missing data fields" });
  await t.rejects(kv.write("", { x: 1 }), { code: "invalid_request", message: "missing path" });
  await t.rejects(kv.write("folder/", { x: 1 }), {
    code: "invalid_request",
    message: 'invalid path "folder/": a secret\'s path cannot end in "/"',
  });
  t.same(storage.keys(), ["a"], "failed writes store nothing");
});

t.test("undeclared body keys are the data: no 'ignored parameters' warning", async (t) => {
  const { kv } = await kvV1();
  await kv.write("a", { anything: 1 });
  t.equal((await kv.read("a"))?.warnings, undefined);
});

t.test("existence check decides create vs update (Vault: key exists)", async (t) => {
  const { kv } = await kvV1();
  t.equal(await kv.writeOperation("a"), "create");
  await kv.write("a", { x: 1 });
  t.equal(await kv.writeOperation("a"), "update");
});

t.test("delete removes the key and answers 204 even when absent", async (t) => {
  const { kv, storage } = await kvV1();
  await kv.write("a", { x: 1 });
  t.equal(await kv.delete("a"), undefined);
  t.equal(await kv.delete("a"), undefined);
  t.equal(await kv.read("a"), undefined);
  t.same(storage.keys(), []);
});

t.test("list gives keys, sub-folders with a trailing '/', and an empty list for an empty folder", async (t) => {
  const { kv } = await kvV1();
  for (const key of ["a", "b/c", "b/d/e", "f"]) await kv.write(key, { v: key });
  t.same(await kv.list(""), { data: { keys: ["a", "b/", "f"] } }, "mount root");
  t.same(await kv.list("b"), { data: { keys: ["c", "d/"] } });
  t.same(await kv.list("b/"), { data: { keys: ["c", "d/"] } }, "trailing slash as HTTP sends it");
  t.same(await kv.list("zzz"), { data: { keys: [] } }, "empty: the HTTP layer turns this into 404");
});

t.test("leased_passthrough=true: a ttl makes the lease renewable, renew reads the secret again", async (t) => {
  const { kv, backend, storage } = await kvV1({ leased_passthrough: "true" });
  await kv.write("a", { ttl: "30m", v: 1 });
  await kv.write("b", { v: 2 });
  const read = await kv.read("a");
  t.equal(read?.secret?.renewable, true);
  t.equal((await kv.read("b"))?.secret?.renewable, false, "no ttl key, not renewable");
  const secret = read?.secret;
  if (!secret) throw new Error("no secret");
  await kv.write("a", { ttl: "30m", v: 3 });
  const renewed = await backend.handle(testRequest("renew", "", storage, {}, { secret }));
  t.same(renewed?.data, { ttl: "30m", v: 3 });
  t.equal(await backend.handle(testRequest("revoke", "", storage, {}, { secret })), undefined, "revoke is a no-op");
});

t.test("help and OpenAPI describe the passthrough path", async (t) => {
  const { kv } = await kvV1();
  const help = await kv.help("some/key");
  t.match(help.data?.["help"] as string, /Pass-through secret storage/);
  const document = asOpenApiDocument((await kv.help("")).data?.["openapi"]);
  t.same(Object.keys(document?.paths ?? {}).sort(), ["/{path}", "/{path}/"], "root help carries the whole document");
});
