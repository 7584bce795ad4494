import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import t from "tap";
import type { SnapshotMeta } from "../raft/index.js";
import { toLogIndex, toTerm } from "../raft/index.js";
import { utf8 } from "./bytes.js";
import { encodeSnapshot, SnapshotDecoder, type SnapshotItem, type SnapshotRecord } from "./snapshot-format.js";
import { SnapshotStore } from "./snapshot-store.js";
import { tempDir } from "./test-helpers.js";

const meta = (index: number, term: number): SnapshotMeta => ({
  index: toLogIndex(index),
  term: toTerm(term),
  configuration: { servers: [{ id: "n1", address: "a:1", suffrage: "voter" }] },
});

async function* records(list: readonly SnapshotRecord[]): AsyncGenerator<SnapshotRecord> {
  yield* list;
}

async function encode(
  snapshotMeta: SnapshotMeta,
  list: readonly SnapshotRecord[],
  chunkBytes = 64,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of encodeSnapshot(snapshotMeta, records(list), chunkBytes)) parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
}

function describe(items: readonly SnapshotItem[]): string[] {
  return items.map((item) =>
    item.type === "meta"
      ? `meta ${item.meta.index}/${item.meta.term}`
      : `${Buffer.from(item.record.key)}=${Buffer.from(item.record.value).toString("hex")}`,
  );
}

t.test("the decoder gives the same items however the stream is split", async (t) => {
  const record = fc.record({
    key: fc.string({ minLength: 1, maxLength: 20 }).map(utf8),
    value: fc.uint8Array({ maxLength: 300 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(record, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 20 }), async (list, cuts) => {
      const bytes = await encode(meta(7, 3), list);
      const points = [...new Set(cuts.map((cut) => cut % (bytes.byteLength + 1)))].sort((a, b) => a - b);
      const decoder = new SnapshotDecoder();
      const items: SnapshotItem[] = [];
      let previous = 0;
      for (const point of [...points, bytes.byteLength]) {
        items.push(...decoder.push(bytes.subarray(previous, point)));
        previous = point;
      }
      decoder.finish();
      const expected = [
        "meta 7/3",
        ...list.map((r) => `${Buffer.from(r.key)}=${Buffer.from(r.value).toString("hex")}`),
      ];
      return describe(items).join("|") === expected.join("|") && decoder.records === list.length;
    }),
    { numRuns: 200 },
  );
  t.pass("200 random splits decode identically");
});

t.test("every single-byte corruption is detected", async (t) => {
  const bytes = await encode(meta(3, 1), [
    { key: utf8("a"), value: utf8("one") },
    { key: utf8("b/c"), value: utf8("two") },
  ]);
  let detected = 0;
  for (let position = 0; position < bytes.byteLength; position++) {
    const corrupt = bytes.slice();
    corrupt[position] = (corrupt[position] ?? 0) ^ 0x20;
    const decoder = new SnapshotDecoder();
    try {
      decoder.push(corrupt);
      decoder.finish();
    } catch (error) {
      if ((error as { code?: string }).code === "invalid_request") detected += 1;
    }
  }
  t.equal(detected, bytes.byteLength, "each flipped byte makes the decoder refuse the stream with a typed error");
  const decoder = new SnapshotDecoder();
  decoder.push(bytes);
  t.throws(() => decoder.push(Uint8Array.of(0)), { message: /after the checksum/ });
});

t.test("the snapshot store publishes verified snapshots and keeps the newest", async (t) => {
  const dir = tempDir(t, "snapstore");
  let store = await SnapshotStore.open(dir, { retain: 2 });
  t.equal(store.latest(), undefined);
  for (const [index, term] of [
    [10, 1],
    [30, 2],
    [20, 2],
  ] as const) {
    const sink = await store.create(meta(index, term));
    const bytes = await encode(meta(index, term), [{ key: utf8(`k${index}`), value: utf8("v") }], 8);
    for (let offset = 0; offset < bytes.byteLength; offset += 7) await sink.write(bytes.subarray(offset, offset + 7));
    await sink.commit();
  }
  t.same(
    store.list().map((snapshot) => snapshot.meta.index),
    [30, 20],
    "newest by index first; the oldest was pruned",
  );
  t.equal(readdirSync(dir).filter((name) => name.endsWith(".snap")).length, 2);

  const wrongMeta = await store.create(meta(40, 2));
  await wrongMeta.write(await encode(meta(41, 2), []));
  await t.rejects(wrongMeta.commit(), { code: "invalid_request", message: /does not match/ });
  const corrupt = await store.create(meta(50, 2));
  const bytes = await encode(meta(50, 2), [{ key: utf8("x"), value: utf8("y") }]);
  bytes[bytes.byteLength - 1] = (bytes[bytes.byteLength - 1] ?? 0) ^ 1;
  await t.rejects(corrupt.write(bytes), { message: /checksum/ });
  const abandoned = await store.create(meta(60, 2));
  await abandoned.write((await encode(meta(60, 2), [])).subarray(0, 5));
  t.equal(store.latest()?.meta.index, 30, "refused or unfinished snapshots are never the latest");

  writeFileSync(join(dir, "garbage.snap"), "not a snapshot");
  store = await SnapshotStore.open(dir, { retain: 2 });
  t.same(
    store.list().map((snapshot) => snapshot.meta.index),
    [30, 20],
  );
  const names = readdirSync(dir).sort();
  t.ok(names.includes("garbage.snap.corrupt"), "an unreadable file is set aside");
  t.notOk(
    names.some((name) => name.endsWith(".tmp")),
    "unfinished temporary files are removed on open",
  );

  const latest = store.latest();
  t.ok(latest);
  const decoder = new SnapshotDecoder();
  const items: SnapshotItem[] = [];
  for await (const chunk of store.read(latest?.id ?? "", 5)) items.push(...decoder.push(chunk));
  decoder.finish();
  t.same(describe(items), ["meta 30/2", `k30=${Buffer.from("v").toString("hex")}`]);
  await t.rejects(
    async () => {
      for await (const _ of store.read("nope")) break;
    },
    { code: "not_found" },
  );
});
