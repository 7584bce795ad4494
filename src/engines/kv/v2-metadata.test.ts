import t from "tap";
import { BackendHarness, testBackendConfig } from "../../framework/testing.js";
import { ManualClock } from "../../lib/index.js";
import { InmemStorage } from "../../logical/testing.js";
import { factory } from "./index.js";

const startMs = Date.UTC(2026, 0, 1);
const start = "2026-01-01T00:00:00Z";

async function kvV2() {
  const storage = new InmemStorage();
  const clock = new ManualClock(startMs);
  const backend = await factory(testBackendConfig({ storage, clock, options: { version: "2" } }));
  return { storage, clock, kv: new BackendHarness(backend, storage) };
}

t.test("config: defaults, writes, and Vault's duration text (0s, 1h0m0s, -1s for disabled)", async (t) => {
  const { kv } = await kvV2();
  t.same(await kv.read("config"), { data: { cas_required: false, delete_version_after: "0s", max_versions: 0 } });
  t.equal(
    await kv.write("config", { max_versions: 5, cas_required: true, delete_version_after: "1h" }),
    undefined,
    "204",
  );
  t.same((await kv.read("config"))?.data, { cas_required: true, delete_version_after: "1h0m0s", max_versions: 5 });
  await kv.write("config", { delete_version_after: "-5m" });
  t.same(
    (await kv.read("config"))?.data,
    { cas_required: true, delete_version_after: "-1s", max_versions: 5 },
    "any negative disables",
  );
  await kv.write("config", { delete_version_after: 0 });
  t.equal((await kv.read("config"))?.data?.["delete_version_after"], "0s", "zero clears");
  t.equal(await kv.write("config", {}), undefined, "no field: a no-op");
  await t.rejects(kv.write("config", { max_versions: -1 }), { code: "invalid_request" });
  await t.rejects(kv.write("config", { cas_required: "maybe" }), { code: "invalid_request" });
  t.equal(await kv.writeOperation("config"), "update", "config has no existence check: always update");
});

t.test("metadata read: Vault's full shape with every kept version", async (t) => {
  const { kv, clock } = await kvV2();
  await kv.write("data/app/db", { data: { v: 1 } });
  clock.advanceMs(2000);
  await kv.write("data/app/db", { data: { v: 2 } });
  await kv.write("delete/app/db", { versions: [1] });
  t.same(await kv.read("metadata/app/db"), {
    data: {
      cas_required: false,
      created_time: start,
      current_version: 2,
      custom_metadata: null,
      delete_version_after: "0s",
      max_versions: 0,
      oldest_version: 0,
      updated_time: "2026-01-01T00:00:02Z",
      versions: {
        "1": { created_time: start, deletion_time: "2026-01-01T00:00:02Z", destroyed: false },
        "2": { created_time: "2026-01-01T00:00:02Z", deletion_time: "", destroyed: false },
      },
    },
  });
  t.equal(await kv.read("metadata/missing"), undefined, "404");
});

t.test("metadata list: keys and folders with a trailing '/', like KV v1", async (t) => {
  const { kv } = await kvV2();
  for (const key of ["a", "b/c", "b/d/e", "f"]) await kv.write(`data/${key}`, { data: { key } });
  await kv.write("metadata/g", { max_versions: 2 });
  t.same(await kv.list("metadata"), { data: { keys: ["a", "b/", "f", "g"] } }, "metadata-only keys are listed too");
  t.same(await kv.list("metadata/b"), { data: { keys: ["c", "d/"] } });
  t.same(await kv.list("metadata/none"), { data: { keys: [] } });
  await kv.delete("data/a");
  t.same((await kv.list("metadata"))?.data?.["keys"], ["a", "b/", "f", "g"], "soft-deleted keys still list");
});

t.test("metadata write creates the key's metadata without versions; no recognised field is a no-op", async (t) => {
  const { kv, storage } = await kvV2();
  t.equal(await kv.write("metadata/a", { unknown: 1 }), undefined);
  t.same(storage.keys(), [], "nothing created");
  t.equal(await kv.writeOperation("metadata/a", { max_versions: 3 }), "create");
  await kv.write("metadata/a", {
    max_versions: 3,
    cas_required: true,
    delete_version_after: "90s",
    custom_metadata: { owner: "ops", n: 5 },
  });
  t.equal(await kv.writeOperation("metadata/a"), "update");
  const metadata = (await kv.read("metadata/a"))?.data;
  t.same(metadata, {
    cas_required: true,
    created_time: start,
    current_version: 0,
    custom_metadata: { owner: "ops", n: "5" },
    delete_version_after: "1m30s",
    max_versions: 3,
    oldest_version: 0,
    updated_time: start,
    versions: {},
  });
  t.equal(await kv.read("data/a"), undefined, "no version to read");
  await t.rejects(kv.send("update", "metadata/a", { delete_version_after: "-1s" }), {
    code: "invalid_request",
    message: `Field validation failed: error converting input -1s for field "delete_version_after": cannot provide negative value '-1'`,
  });
  await t.rejects(kv.write("metadata/a", { max_versions: -2 }), { code: "invalid_request" });
  await t.rejects(kv.write("metadata/folder/", { max_versions: 2 }), { code: "invalid_request" });
  await t.rejects(kv.write("metadata/", { max_versions: 2 }), { message: "missing path" });
});

t.test("custom_metadata shows on data reads and writes", async (t) => {
  const { kv } = await kvV2();
  await kv.write("metadata/a", { custom_metadata: { team: "blue" } });
  t.same((await kv.write("data/a", { data: { v: 1 } }))?.data?.["custom_metadata"], { team: "blue" });
  const read = (await kv.read("data/a"))?.data?.["metadata"] as Record<string, unknown> | undefined;
  t.same(read?.["custom_metadata"], { team: "blue" });
  await kv.write("metadata/a", { custom_metadata: {} });
  t.equal((await kv.read("metadata/a"))?.data?.["custom_metadata"], null, "an empty map reads back as null (Vault)");
});

t.test(
  "custom_metadata limits: 64 keys, key 1..128 bytes, value 1..512 bytes, printable (Vault's texts)",
  async (t) => {
    const { kv, storage } = await kvV2();
    const keys65 = Object.fromEntries(Array.from({ length: 65 }, (_, index) => [`k${index}`, "v"]));
    await t.rejects(kv.write("metadata/a", { custom_metadata: keys65 }), {
      code: "invalid_request",
      message: "custom_metadata validation failed: payload must contain at most 64 keys, provided 65",
    });
    const keys64 = Object.fromEntries(Array.from({ length: 64 }, (_, index) => [`k${index}`, "v"]));
    t.equal(await kv.write("metadata/ok", { custom_metadata: keys64 }), undefined, "64 keys are fine");
    const longKey = "k".repeat(129);
    await t.rejects(kv.write("metadata/a", { custom_metadata: { [longKey]: "v" } }), {
      message: `1 error occurred:\n\t* custom_metadata validation failed: length of key "${longKey}" is 129 but must be 0 < len(key) <= 128\n\n`,
    });
    t.equal(
      await kv.write("metadata/ok", { custom_metadata: { ["k".repeat(128)]: "v".repeat(512) } }),
      undefined,
      "at the limits",
    );
    await t.rejects(kv.write("metadata/a", { custom_metadata: { k: "v".repeat(513) } }), {
      message: /length of value for key "k" is 513 but must be 0 < len\(value\) <= 512/,
    });
    await t.rejects(
      kv.write("metadata/a", { custom_metadata: { ["ü".repeat(65)]: "v" } }),
      {
        message: /is 130 but must be/,
      },
      "lengths are bytes, as Go's len",
    );
    await t.rejects(kv.write("metadata/a", { custom_metadata: { k: "", "bad\u0007": "bell" } }), {
      message:
        '2 errors occurred:\n\t* custom_metadata validation failed: key "bad\\u0007" (bad\u0007) contains unprintable characters\n\t* custom_metadata validation failed: length of value for key "k" is 0 but must be 0 < len(value) <= 512\n\n',
    });
    await t.rejects(kv.write("metadata/a", { custom_metadata: { k: { nested: 1 } } }), {
      message: 'custom_metadata validation failed: value for key "k" must be a string',
    });
    t.equal(await kv.read("metadata/a"), undefined, "refused writes created nothing");
    t.ok(storage.keys().every((key) => !key.endsWith("metadata/a")));
  },
);

t.test("metadata write with cas_required=false while the mount requires it: 200 with Vault's warning", async (t) => {
  const { kv } = await kvV2();
  await kv.write("config", { cas_required: true });
  t.same(await kv.write("metadata/a", { cas_required: false }), {
    warnings: ['"cas_required" set to false, but is mandated by backend config. This value will be ignored.'],
  });
  await t.rejects(kv.write("data/a", { data: {} }), { message: "check-and-set parameter required for this call" });
});

t.test("metadata PATCH merges settings; custom_metadata keys set to null are removed", async (t) => {
  const { kv } = await kvV2();
  await kv.write("metadata/a", { max_versions: 4, cas_required: true, custom_metadata: { a: "1", b: "2" } });
  t.equal(
    await kv.patch("metadata/a", { custom_metadata: { a: null, c: "3" }, delete_version_after: "1h" }),
    undefined,
    "204",
  );
  t.same((await kv.read("metadata/a"))?.data, {
    cas_required: true,
    created_time: start,
    current_version: 0,
    custom_metadata: { b: "2", c: "3" },
    delete_version_after: "1h0m0s",
    max_versions: 4,
    oldest_version: 0,
    updated_time: start,
    versions: {},
  });
  await kv.patch("metadata/a", { max_versions: null, cas_required: false });
  const patched = (await kv.read("metadata/a"))?.data;
  t.equal(patched?.["max_versions"], 0, "null resets to the default");
  t.equal(patched?.["cas_required"], false);
  await kv.patch("metadata/a", { custom_metadata: { b: null, c: null } });
  t.equal((await kv.read("metadata/a"))?.data?.["custom_metadata"], null, "all keys removed -> null");
  await kv.patch("metadata/a", { custom_metadata: null });
  t.equal((await kv.read("metadata/a"))?.data?.["custom_metadata"], null);
});

t.test("metadata PATCH errors: missing key 404; limits apply to the patch and to the merged result", async (t) => {
  const { kv } = await kvV2();
  await t.rejects(kv.patch("metadata/missing", { max_versions: 2 }), { code: "not_found", status: 404 });
  const keys40 = (offset: number) =>
    Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`k${offset + index}`, "v"]));
  await kv.write("metadata/a", { custom_metadata: keys40(0) });
  await t.rejects(kv.patch("metadata/a", { custom_metadata: keys40(100) }), {
    message: "custom_metadata validation failed: payload must contain at most 64 keys, provided 80",
  });
  await t.rejects(kv.patch("metadata/a", { custom_metadata: { x: "" } }), {
    message: /length of value for key "x" is 0/,
  });
  t.equal(Object.keys((await kv.read("metadata/a"))?.data?.["custom_metadata"] as object).length, 40, "unchanged");
  await kv.write("config", { cas_required: true });
  t.same(await kv.patch("metadata/a", { cas_required: false }), {
    warnings: ['"cas_required" set to false, but is mandated by backend config. This value will be ignored.'],
  });
});

t.test("metadata DELETE removes the key, its metadata and every version's data", async (t) => {
  const { kv, storage } = await kvV2();
  await kv.write("config", { max_versions: 3 });
  for (let v = 1; v <= 4; v++) await kv.write("data/a", { data: { v } });
  await kv.write("data/b", { data: { v: "b" } });
  await kv.write("destroy/a", { versions: [3] });
  t.equal(await kv.delete("metadata/a"), undefined, "204");
  t.equal(await kv.read("metadata/a"), undefined);
  t.equal(await kv.read("data/a"), undefined);
  t.equal(await kv.read("data/a", { version: 4 }), undefined);
  t.same(
    storage.keys().map((key) => key.replace(/[0-9a-f]{64}/, "<hash>")),
    ["config", "metadata/b", "versions/<hash>/1"],
    "only the config and key b remain",
  );
  t.equal(await kv.delete("metadata/a"), undefined, "deleting again is a no-op");
  t.same(
    (await kv.write("data/a", { data: { again: true } }))?.data?.["version"],
    1,
    "a re-created key starts at version 1",
  );
});

t.test("key names containing '/' keep their folder structure; their versions do not collide", async (t) => {
  const { kv } = await kvV2();
  await kv.write("data/a", { data: { who: "a" } });
  await kv.write("data/a/b", { data: { who: "a/b" } });
  t.same((await kv.read("data/a"))?.data?.["data"], { who: "a" });
  t.same((await kv.read("data/a/b"))?.data?.["data"], { who: "a/b" });
  t.same((await kv.list("metadata"))?.data?.["keys"], ["a", "a/"]);
  await kv.delete("metadata/a");
  t.same((await kv.read("data/a/b"))?.data?.["data"], { who: "a/b" }, "deleting a leaves a/b alone");
});
