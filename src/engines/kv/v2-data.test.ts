import t from "tap";
import { BackendHarness, testBackendConfig } from "../../framework/testing.js";
import { limits, ManualClock } from "../../lib/index.js";
import type { Response, StorageOp } from "../../logical/index.js";
import { InmemStorage } from "../../logical/testing.js";
import { factory } from "./index.js";
import { commit } from "./v2/store.js";

/** Inmem storage that also records every call, to pin how writes reach storage. */
class RecordingStorage extends InmemStorage {
  readonly calls: Array<{ method: string; ops?: readonly StorageOp[] }> = [];

  override async put(key: string, value: Uint8Array): Promise<void> {
    this.calls.push({ method: "put" });
    await super.put(key, value);
  }

  override async delete(key: string): Promise<void> {
    this.calls.push({ method: "delete" });
    await super.delete(key);
  }

  override async transaction(ops: readonly StorageOp[]): Promise<void> {
    this.calls.push({ method: "transaction", ops });
    await super.transaction(ops);
  }
}

const startMs = Date.UTC(2026, 0, 1);
const start = "2026-01-01T00:00:00Z";

async function kvV2() {
  const storage = new RecordingStorage();
  const clock = new ManualClock(startMs);
  const backend = await factory(testBackendConfig({ storage, clock, options: { version: "2" } }));
  return { storage, clock, kv: new BackendHarness(backend, storage) };
}

/** The `metadata` block of a data or subkeys read. */
function metadataOf(response: Response | undefined): Record<string, unknown> {
  return (response?.data?.["metadata"] ?? {}) as Record<string, unknown>;
}

function versionKeys(storage: InmemStorage): string[] {
  return storage.keys().filter((key) => key.startsWith("versions/"));
}

t.test("write answers the version metadata; read answers {data, metadata} (Vault's shapes)", async (t) => {
  const { kv } = await kvV2();
  t.same(await kv.write("data/app/db", { data: { user: "u", n: 1 } }), {
    data: { created_time: start, custom_metadata: null, deletion_time: "", destroyed: false, version: 1 },
  });
  t.same(await kv.read("data/app/db"), {
    data: {
      data: { user: "u", n: 1 },
      metadata: { created_time: start, custom_metadata: null, deletion_time: "", destroyed: false, version: 1 },
    },
  });
});

t.test("each version and its metadata are written in ONE storage transaction", async (t) => {
  const { kv, storage } = await kvV2();
  await kv.write("data/a", { data: { v: 1 } });
  const writes = storage.calls.filter((call) => call.method !== "get");
  t.equal(writes.length, 1);
  t.equal(writes[0]?.method, "transaction");
  t.same(
    writes[0]?.ops?.map((op) => `${op.type} ${op.key.replace(/[0-9a-f]{64}/, "<hash>")}`),
    ["put versions/<hash>/1", "put metadata/a"],
  );
});

t.test("writes without data are 400 'no data provided'; data must be a map", async (t) => {
  const { kv, storage } = await kvV2();
  await t.rejects(kv.write("data/a", {}), { code: "invalid_request", status: 400, message: "no data provided" });
  await t.rejects(kv.write("data/a", { data: null }), { message: "no data provided" });
  await t.rejects(kv.send("update", "data/a", { data: "text" }), {
    code: "invalid_request",
    message: 'Field validation failed: error converting input text for field "data": expected a map, got string',
  });
  await t.rejects(
    kv.writeOperation("data/a", { data: "text" }),
    { code: "invalid_request", message: 'error converting input text for field "data": expected a map, got string' },
    "the existence check refuses it too (Vault: a 400 before the ACL check)",
  );
  t.same(storage.keys(), [], "nothing stored");
  t.same((await kv.write("data/empty", { data: {} }))?.data?.["version"], 1, "an empty map is data");
});

t.test("versions count up; ?version= reads an older one; missing key or version is a plain 404", async (t) => {
  const { kv, clock } = await kvV2();
  await kv.write("data/a", { data: { v: 1 } });
  clock.advanceMs(1500);
  const second = await kv.write("data/a", { data: { v: 2 } });
  t.same(second?.data?.["version"], 2);
  t.equal(second?.data?.["created_time"], "2026-01-01T00:00:01.5Z");
  t.same((await kv.read("data/a"))?.data?.["data"], { v: 2 });
  t.same((await kv.read("data/a", { version: "1" }))?.data?.["data"], { v: 1 }, "query strings convert to int");
  t.same((await kv.read("data/a", { version: 0 }))?.data?.["data"], { v: 2 }, "version 0 = current");
  t.equal(await kv.read("data/a", { version: 3 }), undefined);
  t.equal(await kv.read("data/missing"), undefined);
  await t.rejects(kv.read("data/a", { version: "two" }), { code: "invalid_request" });
});

t.test("existence check on data/: create until the key has metadata, then update", async (t) => {
  const { kv } = await kvV2();
  t.equal(await kv.writeOperation("data/a", { data: {} }), "create");
  await kv.write("data/a", { data: { v: 1 } });
  t.equal(await kv.writeOperation("data/a", { data: {} }), "update");
});

t.test("check-and-set: cas must equal the current version (Vault's messages)", async (t) => {
  const { kv } = await kvV2();
  t.same((await kv.write("data/a", { data: { v: 1 }, options: { cas: 0 } }))?.data?.["version"], 1, "cas 0 creates");
  await t.rejects(kv.write("data/a", { data: { v: 2 }, options: { cas: 0 } }), {
    code: "invalid_request",
    status: 400,
    message: "check-and-set parameter did not match the current version",
  });
  await t.rejects(kv.write("data/a", { data: { v: 2 }, options: { cas: 2 } }), {
    message: "check-and-set parameter did not match the current version",
  });
  t.same(
    (await kv.write("data/a", { data: { v: 2 }, options: { cas: "1" } }))?.data?.["version"],
    2,
    "cas as a string",
  );
  await t.rejects(kv.write("data/a", { data: { v: 3 }, options: { cas: "abc" } }), {
    message: "error parsing check-and-set parameter",
  });
  await t.rejects(kv.write("data/a", { data: { v: 3 }, options: { cas: 1.5 } }), {
    message: "error parsing check-and-set parameter",
  });
  t.same((await kv.read("data/a"))?.data?.["data"], { v: 2 }, "refused writes changed nothing");
});

t.test("cas_required on the mount or on the key: a write without cas is 400", async (t) => {
  const { kv } = await kvV2();
  await kv.write("config", { cas_required: true });
  await t.rejects(kv.write("data/a", { data: { v: 1 } }), {
    code: "invalid_request",
    message: "check-and-set parameter required for this call",
  });
  t.same((await kv.write("data/a", { data: { v: 1 }, options: { cas: 0 } }))?.data?.["version"], 1);
  await kv.write("config", { cas_required: false });
  await kv.write("metadata/b", { cas_required: true });
  await t.rejects(kv.write("data/b", { data: { v: 1 } }), {
    message: "check-and-set parameter required for this call",
  });
  t.same(
    (await kv.write("data/b", { data: { v: 1 }, options: { cas: 0 } }))?.data?.["version"],
    1,
    "metadata created alone still has current_version 0, so cas 0 matches",
  );
});

t.test("concurrent cas writes to one key: exactly one wins (per-key lock)", async (t) => {
  const { kv } = await kvV2();
  const attempts = await Promise.allSettled(
    Array.from({ length: 5 }, (_, index) => kv.write("data/race", { data: { writer: index }, options: { cas: 0 } })),
  );
  t.equal(attempts.filter((attempt) => attempt.status === "fulfilled").length, 1);
  t.equal((await kv.read("metadata/race"))?.data?.["current_version"], 1);
});

t.test("soft delete of the latest version: 404 that still carries data:null and the metadata", async (t) => {
  const { kv, clock } = await kvV2();
  await kv.write("data/a", { data: { v: 1 } });
  clock.advanceMs(1000);
  t.equal(await kv.delete("data/a"), undefined, "DELETE -> 204");
  const deleted = {
    statusCode: 404,
    data: {
      data: null,
      metadata: {
        created_time: start,
        custom_metadata: null,
        deletion_time: "2026-01-01T00:00:01Z",
        destroyed: false,
        version: 1,
      },
    },
  };
  t.same(await kv.read("data/a"), deleted);
  clock.advanceMs(1000);
  await kv.delete("data/a");
  t.same(await kv.read("data/a"), deleted, "deleting again keeps the first deletion time");
  t.equal(await kv.delete("data/missing"), undefined, "a missing key is a no-op");
  t.same((await kv.write("data/a", { data: { v: 2 } }))?.data?.["version"], 2, "a new write creates version 2");
  t.same((await kv.read("data/a"))?.data?.["data"], { v: 2 });
});

t.test("delete/ and undelete/ act on listed versions; undelete leaves destroyed versions alone", async (t) => {
  const { kv } = await kvV2();
  for (let v = 1; v <= 3; v++) await kv.write("data/a", { data: { v } });
  t.equal(await kv.write("delete/a", { versions: [1, 2] }), undefined);
  t.equal((await kv.read("data/a", { version: 1 }))?.statusCode, 404);
  t.equal((await kv.read("data/a", { version: 2 }))?.statusCode, 404);
  t.same((await kv.read("data/a"))?.data?.["data"], { v: 3 }, "unlisted versions stay readable");
  await kv.write("destroy/a", { versions: "2" });
  await kv.write("undelete/a", { versions: "1,2" });
  t.same((await kv.read("data/a", { version: 1 }))?.data?.["data"], { v: 1 }, "undeleted");
  const two = await kv.read("data/a", { version: 2 });
  t.equal(two?.statusCode, 404);
  t.equal(metadataOf(two)["destroyed"], true, "destroyed stays destroyed");
  t.equal(await kv.write("delete/missing", { versions: [1] }), undefined, "a missing key is a no-op");
  t.equal(await kv.write("delete/a", { versions: [99] }), undefined, "unknown versions are skipped");
});

t.test("a request naming no version is 400 (Vault: 'No version number provided', destroy lowercase)", async (t) => {
  const { kv } = await kvV2();
  await kv.write("data/a", { data: { v: 1 } });
  await t.rejects(kv.write("delete/a", {}), { code: "invalid_request", message: "No version number provided" });
  await t.rejects(kv.write("undelete/a", { versions: [] }), { message: "No version number provided" });
  await t.rejects(kv.write("destroy/a", { versions: "" }), { message: "no version number provided" });
  await t.rejects(kv.write("destroy/a", { versions: "1,x" }), {
    code: "invalid_request",
    message: /Field validation failed/,
  });
});

t.test("destroy removes the version's data from storage for good and marks it destroyed", async (t) => {
  const { kv, storage } = await kvV2();
  await kv.write("data/a", { data: { secret: "s1" } });
  await kv.write("data/a", { data: { secret: "s2" } });
  t.equal(versionKeys(storage).length, 2);
  await kv.write("destroy/a", { versions: [1] });
  t.equal(versionKeys(storage).length, 1, "the data is gone");
  t.same(await kv.read("data/a", { version: 1 }), {
    statusCode: 404,
    data: {
      data: null,
      metadata: { created_time: start, custom_metadata: null, deletion_time: "", destroyed: true, version: 1 },
    },
  });
  t.same((await kv.read("data/a"))?.data?.["data"], { secret: "s2" });
  t.equal(await kv.delete("data/a"), undefined);
  await kv.write("destroy/a", { versions: [2] });
  t.equal(await kv.delete("data/a"), undefined, "deleting a destroyed latest version is a no-op");
});

t.test("max_versions trimming drops the oldest versions and their data (mount setting)", async (t) => {
  const { kv, storage } = await kvV2();
  await kv.write("config", { max_versions: 3 });
  for (let v = 1; v <= 5; v++) await kv.write("data/a", { data: { v } });
  const metadata = (await kv.read("metadata/a"))?.data ?? {};
  t.same(Object.keys(metadata["versions"] as object), ["3", "4", "5"]);
  t.equal(metadata["oldest_version"], 3);
  t.equal(metadata["current_version"], 5);
  t.equal(versionKeys(storage).length, 3, "trimmed data is deleted");
  t.equal(await kv.read("data/a", { version: 2 }), undefined, "a trimmed version is a plain 404");
  t.same((await kv.read("data/a", { version: 3 }))?.data?.["data"], { v: 3 });
});

t.test("default max_versions is 10; oldest_version stays 0 until the first trim (Vault)", async (t) => {
  const { kv, storage } = await kvV2();
  for (let v = 1; v <= 9; v++) await kv.write("data/a", { data: { v } });
  t.equal((await kv.read("metadata/a"))?.data?.["oldest_version"], 0);
  await kv.write("data/a", { data: { v: 10 } });
  t.equal((await kv.read("metadata/a"))?.data?.["oldest_version"], 1, "the window is full");
  for (let v = 11; v <= 12; v++) await kv.write("data/a", { data: { v } });
  const metadata = (await kv.read("metadata/a"))?.data ?? {};
  t.equal(metadata["oldest_version"], 3);
  t.equal(Object.keys(metadata["versions"] as object).length, 10);
  t.equal(versionKeys(storage).length, 10);
});

t.test("max_versions: the larger of the key and mount settings wins", async (t) => {
  const { kv } = await kvV2();
  await kv.write("config", { max_versions: 2 });
  await kv.write("metadata/a", { max_versions: 4 });
  for (let v = 1; v <= 6; v++) await kv.write("data/a", { data: { v } });
  t.same(Object.keys((await kv.read("metadata/a"))?.data?.["versions"] as object), ["3", "4", "5", "6"]);
  await kv.write("metadata/b", { max_versions: 1 });
  for (let v = 1; v <= 3; v++) await kv.write("data/b", { data: { v } });
  t.same(
    Object.keys((await kv.read("metadata/b"))?.data?.["versions"] as object),
    ["2", "3"],
    "mount's 2 beats key's 1",
  );
});

t.test("lowering max_versions trims several versions on the next write", async (t) => {
  const { kv, storage } = await kvV2();
  for (let v = 1; v <= 8; v++) await kv.write("data/a", { data: { v } });
  await kv.write("metadata/a", { max_versions: 2 });
  t.equal(versionKeys(storage).length, 8, "metadata writes do not trim");
  await kv.write("data/a", { data: { v: 9 } });
  t.same(Object.keys((await kv.read("metadata/a"))?.data?.["versions"] as object), ["8", "9"]);
  t.equal(versionKeys(storage).length, 2);
});

t.test("delete_version_after: versions delete themselves when the clock passes their deletion_time", async (t) => {
  const { kv, clock } = await kvV2();
  await kv.write("config", { delete_version_after: "1h" });
  const written = await kv.write("data/a", { data: { v: 1 } });
  t.equal(written?.data?.["deletion_time"], "2026-01-01T01:00:00Z", "created + 1h");
  clock.advanceMs(3_599_000);
  t.same((await kv.read("data/a"))?.data?.["data"], { v: 1 }, "a future deletion_time still reads");
  clock.advanceMs(1000);
  t.equal((await kv.read("data/a"))?.statusCode, 404, "deleted once the time has come");
  await kv.write("undelete/a", { versions: [1] });
  const undeleted = await kv.read("data/a");
  t.same(undeleted?.data?.["data"], { v: 1 });
  t.equal(metadataOf(undeleted)["deletion_time"], "2026-01-01T02:00:00Z", "undelete restarts the clock from now");
});

t.test("delete_version_after: the smaller non-zero of key and mount; a negative mount value disables it", async (t) => {
  const { kv } = await kvV2();
  await kv.write("config", { delete_version_after: "1h" });
  await kv.write("metadata/a", { delete_version_after: "30m" });
  t.equal((await kv.write("data/a", { data: {} }))?.data?.["deletion_time"], "2026-01-01T00:30:00Z");
  await kv.write("metadata/b", { delete_version_after: "2h" });
  t.equal((await kv.write("data/b", { data: {} }))?.data?.["deletion_time"], "2026-01-01T01:00:00Z");
  await kv.write("config", { delete_version_after: "-1s" });
  t.equal((await kv.write("data/a", { data: {} }))?.data?.["deletion_time"], "", "disabled on the mount beats the key");
});

t.test("PATCH is a JSON merge patch of the current version into a new version", async (t) => {
  const { kv } = await kvV2();
  await kv.write("data/a", { data: { keep: 1, drop: 2, nested: { x: 1, y: 2 } } });
  const patched = await kv.patch("data/a", { data: { drop: null, nested: { y: null, z: 3 }, added: "v" } });
  t.same(patched?.data, {
    created_time: start,
    custom_metadata: null,
    deletion_time: "",
    destroyed: false,
    version: 2,
  });
  t.same((await kv.read("data/a"))?.data?.["data"], { keep: 1, nested: { x: 1, z: 3 }, added: "v" });
  t.same((await kv.read("data/a", { version: 1 }))?.data?.["data"], { keep: 1, drop: 2, nested: { x: 1, y: 2 } });
});

t.test(
  "PATCH errors: no data 400, missing key 404, deleted or destroyed current version 404 with its metadata",
  async (t) => {
    const { kv } = await kvV2();
    await t.rejects(kv.patch("data/a", {}), { code: "invalid_request", message: "no data provided" });
    await t.rejects(kv.patch("data/a", { data: { x: 1 } }), { code: "not_found", status: 404 });
    await kv.write("metadata/a", { max_versions: 5 });
    await t.rejects(kv.patch("data/a", { data: { x: 1 } }), { code: "not_found" }, "metadata without versions");
    await kv.write("data/a", { data: { x: 1 } });
    await kv.delete("data/a");
    t.same(await kv.patch("data/a", { data: { x: 2 } }), {
      statusCode: 404,
      data: { created_time: start, custom_metadata: null, deletion_time: start, destroyed: false, version: 1 },
    });
    await kv.write("destroy/a", { versions: [1] });
    t.equal((await kv.patch("data/a", { data: { x: 2 } }))?.statusCode, 404);
  },
);

t.test("PATCH honours check-and-set", async (t) => {
  const { kv } = await kvV2();
  await kv.write("data/a", { data: { x: 1 } });
  await t.rejects(kv.patch("data/a", { data: { x: 2 }, options: { cas: 0 } }), {
    message: "check-and-set parameter did not match the current version",
  });
  t.same((await kv.patch("data/a", { data: { x: 2 }, options: { cas: 1 } }))?.data?.["version"], 2);
  await kv.write("config", { cas_required: true });
  await t.rejects(kv.patch("data/a", { data: { x: 3 } }), {
    message: "check-and-set parameter required for this call",
  });
});

t.test(
  "subkeys: the data's structure with null values, depth-limited; deleted versions 404 with metadata",
  async (t) => {
    const { kv } = await kvV2();
    await kv.write("data/a", { data: { foo: "abc", bar: { baz: 1, deep: { x: [1, 2] } }, empty: {}, list: [1] } });
    t.same(await kv.read("subkeys/a"), {
      data: {
        subkeys: { foo: null, bar: { baz: null, deep: { x: null } }, empty: null, list: null },
        metadata: { created_time: start, custom_metadata: null, deletion_time: "", destroyed: false, version: 1 },
      },
    });
    t.same((await kv.read("subkeys/a", { depth: 1 }))?.data?.["subkeys"], {
      foo: null,
      bar: null,
      empty: null,
      list: null,
    });
    t.same((await kv.read("subkeys/a", { depth: "2" }))?.data?.["subkeys"], {
      foo: null,
      bar: { baz: null, deep: null },
      empty: null,
      list: null,
    });
    await kv.write("data/a", { data: { only: 1 } });
    t.same((await kv.read("subkeys/a", { version: 1 }))?.data?.["subkeys"], {
      foo: null,
      bar: { baz: null, deep: { x: null } },
      empty: null,
      list: null,
    });
    await kv.delete("data/a");
    const deleted = await kv.read("subkeys/a");
    t.equal(deleted?.statusCode, 404);
    t.equal(deleted?.data?.["subkeys"], null);
    t.equal(await kv.read("subkeys/missing"), undefined);
    await t.rejects(kv.read("subkeys/a", { depth: -1 }), { code: "invalid_request" });
  },
);

t.test("v1-style paths on a v2 mount: 404 with Vault's warning naming the kv subcommand", async (t) => {
  const { kv } = await kvV2();
  const hint = (command: string) =>
    `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${command}' for this operation.`;
  t.same(await kv.read("secret-at-root"), { statusCode: 404, warnings: [hint("get")] });
  t.same(await kv.write("secret-at-root", { a: 1 }), { statusCode: 404, warnings: [hint("put")] });
  t.same(await kv.list("data/"), { statusCode: 404, warnings: [hint("list")] });
  t.same(await kv.delete("x/y"), { statusCode: 404, warnings: [hint("delete")] });
  t.same(await kv.patch("x"), { statusCode: 404, warnings: [hint("patch")] });
  t.same(await kv.read("data"), {
    statusCode: 404,
    warnings: ["Non-listing operations on the root of a K/V v2 mount are not supported."],
  });
  t.same(
    await kv.write("data/folder/", { data: {} }),
    { statusCode: 404, warnings: [hint("put")] },
    "a key cannot end in /",
  );
});

t.test("help and OpenAPI list the v2 endpoints, not the catch-all", async (t) => {
  const { kv } = await kvV2();
  const root = await kv.help("");
  const document = root.data?.["openapi"] as { paths: Record<string, { post?: { operationId: string } }> };
  t.same(Object.keys(document.paths).sort(), [
    "/config",
    "/data/{path}",
    "/delete/{path}",
    "/destroy/{path}",
    "/metadata/{path}",
    "/metadata/{path}/",
    "/subkeys/{path}",
    "/undelete/{path}",
  ]);
  t.equal(document.paths["/config"]?.post?.operationId, "kv-v2-configure");
  t.equal(document.paths["/undelete/{path}"]?.post?.operationId, "kv-v2-undelete-versions");
  t.match((await kv.help("data/a")).data?.["help"] as string, /Write, Patch, Read, and Delete data/);
});

t.test(
  "commit: the required ops and as much cleanup as fits go in the first transaction, the rest in bounded batches",
  async (t) => {
    const storage = new RecordingStorage();
    const required: StorageOp[] = [
      { type: "put", key: "versions/x/9", value: new Uint8Array([1]) },
      { type: "put", key: "metadata/x", value: new Uint8Array([2]) },
    ];
    const cleanup: StorageOp[] = Array.from({ length: 2100 }, (_, index) => ({
      type: "delete",
      key: `versions/x/old-${index}`,
    }));
    await commit(storage, required, cleanup);
    const sizes = storage.calls.map((call) => call.ops?.length);
    t.same(sizes, [limits.transactionOpsMax, limits.transactionOpsMax, 2102 - 2 * limits.transactionOpsMax]);
    t.same(storage.calls[0]?.ops?.slice(0, 2), required, "the ops that must land together lead the first transaction");
    t.same(storage.keys(), ["metadata/x", "versions/x/9"]);
  },
);
