import t from "tap";
import { BackendHarness, testBackendConfig } from "../../framework/testing.js";
import { clearPrefix } from "../../logical/index.js";
import { InmemStorage } from "../../logical/testing.js";
import { factory } from "./index.js";

async function cubbyhole() {
  const storage = new InmemStorage();
  const backend = await factory(testBackendConfig({ storage }));
  const as = (cubbyholeId: string) => new BackendHarness(backend, storage, { cubbyholeId });
  return { storage, backend, as, anonymous: new BackendHarness(backend, storage) };
}

t.test("each token sees only its own cubbyhole (Vault: per-token private storage)", async (t) => {
  const { as, storage } = await cubbyhole();
  const alice = as("cubby-alice");
  const bob = as("cubby-bob");
  t.equal(await alice.write("secret", { v: "alice" }), undefined, "write -> 204");
  await bob.write("secret", { v: "bob" });
  t.same(await alice.read("secret"), { data: { v: "alice" } }, "no lease, no secret block");
  t.same((await bob.read("secret"))?.data, { v: "bob" });
  t.equal(await as("cubby-carol").read("secret"), undefined, "another token reads nothing (404)");
  t.same(storage.keys(), ["cubby-alice/secret", "cubby-bob/secret"], "layout: <cubbyholeId>/<path>");
});

t.test("read, write (replace), delete and list work like KV v1", async (t) => {
  const { as } = await cubbyhole();
  const token = as("c1");
  await token.write("a", { x: 1, y: 2 });
  await token.write("a", { z: 3 });
  t.same((await token.read("a"))?.data, { z: 3 });
  await token.write("dir/b", { v: 1 });
  await token.write("dir/sub/c", { v: 2 });
  t.same(await token.list(""), { data: { keys: ["a", "dir/"] } }, "keys come back without the cubbyhole prefix");
  t.same(await token.list("dir"), { data: { keys: ["b", "sub/"] } });
  t.same(await token.list("nothing"), { data: { keys: [] } });
  t.equal(await token.delete("a"), undefined);
  t.equal(await token.delete("a"), undefined, "deleting a missing key is 204 too");
  t.equal(await token.read("a"), undefined);
  t.equal(await token.writeOperation("dir/b"), "update", "existence check sees the token's own key");
  t.equal(await as("c2").writeOperation("dir/b"), "create", "and not another token's");
});

t.test("bad writes are 400 with Vault's messages and store nothing", async (t) => {
  const { as, storage } = await cubbyhole();
  await t.rejects(as("c1").write("a", {}), { code: "invalid_request", message: "missing data fields" });
  await t.rejects(as("c1").write("", { x: 1 }), { code: "invalid_request", message: "missing path" });
  await t.rejects(as("c1").write("dir/", { x: 1 }), { code: "invalid_request", message: /cannot end in "\/"/ });
  t.same(storage.keys(), []);
});

t.test("a request without a cubbyhole id is refused: 400 'client token empty'", async (t) => {
  const { anonymous, as } = await cubbyhole();
  await as("c1").write("a", { x: 1 });
  const attempts: Array<() => Promise<unknown>> = [
    () => anonymous.read("a"),
    () => anonymous.send("update", "a", { x: 2 }),
    () => anonymous.delete("a"),
    () => anonymous.list(""),
    () => anonymous.writeOperation("a"),
  ];
  for (const attempt of attempts) {
    await t.rejects(attempt(), { code: "invalid_request", status: 400, message: "client token empty" });
  }
  t.same((await as("c1").read("a"))?.data, { x: 1 }, "nothing changed");
});

t.test("an id with '/' would reach into another cubbyhole: refused loudly", async (t) => {
  const { as } = await cubbyhole();
  await t.rejects(as("c1/../c2").read("a"), { name: "AssertionError" });
});

t.test("the core destroys a cubbyhole by clearing its prefix; other tokens keep theirs", async (t) => {
  const { as, storage } = await cubbyhole();
  await as("c1").write("a", { x: 1 });
  await as("c1").write("b/c", { x: 2 });
  await as("c10").write("a", { x: 3 });
  await clearPrefix(storage, "c1/");
  t.equal(await as("c1").read("a"), undefined);
  t.same(await as("c1").list(""), { data: { keys: [] } });
  t.same((await as("c10").read("a"))?.data, { x: 3 }, "a token whose id extends another's is untouched");
});

t.test("help describes the per-token store", async (t) => {
  const { as } = await cubbyhole();
  t.match((await as("c1").help("")).data?.["help"] as string, /namespaced per token/);
});
