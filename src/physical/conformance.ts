/**
 * The one conformance suite every physical backend passes (inmem, LevelDB,
 * Raft). Test-only: imported by *.test.ts files, never by production code.
 *
 * `open` returns a fresh, empty backend. For persistent backends, `reopen`
 * closes nothing itself: the suite closes the first instance and expects
 * `reopen()` to give back one over the same data.
 */
import type { Test } from "tap";
import type { Backend } from "./backend.js";

export interface ConformanceTarget {
  open(): Promise<Backend>;
  /** For persistent backends: open the same data again after `close()`. */
  reopen?(): Promise<Backend>;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value);

export async function runBackendConformance(t: Test, target: ConformanceTarget): Promise<void> {
  await t.test("get, put, delete of single keys", async (t) => {
    const backend = await target.open();
    t.equal(await backend.get("missing"), undefined, "a missing key reads as undefined");
    await backend.delete("missing");
    t.pass("deleting a missing key is not an error");
    await backend.put("foo", bytes("bar"));
    t.equal(text(await backend.get("foo")), "bar");
    await backend.put("foo", bytes("baz"));
    t.equal(text(await backend.get("foo")), "baz", "put overwrites");
    await backend.put("empty", new Uint8Array());
    t.same(await backend.get("empty"), new Uint8Array(), "an empty value is stored, not treated as missing");
    await backend.delete("foo");
    t.equal(await backend.get("foo"), undefined);
    await backend.close();
  });

  await t.test("values are copied in and out", async (t) => {
    const backend = await target.open();
    const value = bytes("abc");
    await backend.put("k", value);
    value[0] = 0x7a;
    t.equal(text(await backend.get("k")), "abc", "mutating the written buffer changes nothing stored");
    const read = await backend.get("k");
    if (read) read[0] = 0x7a;
    t.equal(text(await backend.get("k")), "abc", "mutating a read buffer changes nothing stored");
    await backend.close();
  });

  await t.test("list gives immediate children with sub-trees ending in /", async (t) => {
    const backend = await target.open();
    t.same(await backend.list(""), [], "empty store lists nothing");
    for (const key of ["foo", "foo/bar", "foo/baz/qux", "foo/baz/quux", "foo0", "fo", "zip/zap", "a b/c"]) {
      await backend.put(key, bytes(key));
    }
    t.same(await backend.list(""), ["a b/", "fo", "foo", "foo/", "foo0", "zip/"]);
    t.same(await backend.list("foo/"), ["bar", "baz/"]);
    t.same(await backend.list("foo/baz/"), ["quux", "qux"]);
    t.same(await backend.list("fo"), ["", "o", "o/", "o0"], "a prefix need not end in /");
    t.same(await backend.list("nothing/"), []);
    await backend.delete("foo/baz/qux");
    await backend.delete("foo/baz/quux");
    t.same(await backend.list("foo/"), ["bar"], "a sub-tree disappears with its last key");
    await backend.close();
  });

  await t.test("list orders by UTF-8 bytes and handles unusual characters", async (t) => {
    const backend = await target.open();
    const keys = ["d/ä", "d/z", "d/Z", "d/~", "d/é/x", "d/\u{1F600}", "d/\uFFFD", "d/.hidden"];
    for (const key of keys) await backend.put(key, bytes("v"));
    const expected = [
      ...new Set(keys.map((key) => key.slice(2).split("/")[0] + (key.slice(2).includes("/") ? "/" : ""))),
    ].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    t.same(await backend.list("d/"), expected);
    await backend.close();
  });

  await t.test("a transaction applies all operations in order", async (t) => {
    const backend = await target.open();
    await backend.put("t/old", bytes("old"));
    await backend.transaction([
      { type: "put", key: "t/a", value: bytes("1") },
      { type: "put", key: "t/b", value: bytes("2") },
      { type: "delete", key: "t/old" },
      { type: "put", key: "t/a", value: bytes("3") },
    ]);
    t.equal(text(await backend.get("t/a")), "3", "later operations win");
    t.equal(text(await backend.get("t/b")), "2");
    t.equal(await backend.get("t/old"), undefined);
    await backend.transaction([]);
    t.pass("an empty transaction is fine");
    await backend.close();
  });

  await t.test("an invalid transaction changes nothing", async (t) => {
    const backend = await target.open();
    await backend.put("keep", bytes("v"));
    await t.rejects(
      backend.transaction([
        { type: "delete", key: "keep" },
        { type: "put", key: "", value: bytes("x") },
      ]),
      { code: "invalid_request" },
    );
    t.equal(text(await backend.get("keep")), "v", "the valid first operation was not applied");
    await t.rejects(backend.put("", bytes("x")), { code: "invalid_request" }, "empty key refused");
    await t.rejects(backend.put("k".repeat(5000), bytes("x")), { code: "invalid_request" }, "huge key refused");
    await backend.close();
  });

  await t.test("concurrent writes to distinct keys all land", async (t) => {
    const backend = await target.open();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => backend.put(`c/${String(i).padStart(3, "0")}`, bytes(String(i)))),
    );
    const listed = await backend.list("c/");
    t.equal(listed.length, 200);
    t.equal(text(await backend.get("c/137")), "137");
    await backend.close();
  });

  await t.test("close is idempotent and later calls reject", async (t) => {
    const backend = await target.open();
    await backend.close();
    await backend.close();
    await t.rejects(backend.get("x"));
  });

  const reopen = target.reopen;
  if (reopen) {
    await t.test("writes survive close and reopen", async (t) => {
      const backend = await target.open();
      await backend.put("durable/a", bytes("1"));
      await backend.transaction([{ type: "put", key: "durable/b", value: bytes("2") }]);
      await backend.close();
      const again = await reopen();
      t.equal(text(await again.get("durable/a")), "1");
      t.equal(text(await again.get("durable/b")), "2");
      t.same(await again.list("durable/"), ["a", "b"]);
      await again.close();
    });
  }
}
