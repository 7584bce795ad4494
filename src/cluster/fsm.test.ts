import { join } from "node:path";
import fc from "fast-check";
import t from "tap";
import type { TransactionOp } from "../physical/index.js";
import { childOf, compareKeys } from "../physical/index.js";
import type { Entry } from "../raft/index.js";
import { encodeConfigEntry, toLogIndex, toTerm } from "../raft/index.js";
import { utf8 } from "./bytes.js";
import { Fsm } from "./fsm.js";
import { decodeCommand, encodeCommand } from "./fsm-command.js";
import { appliedKey, configurationKey, fsmDataPrefixBytes } from "./keys.js";
import { NodeDatabase, WriteBatch } from "./node-db.js";
import { runAndKill, tempDir } from "./test-helpers.js";

const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value);

function command(index: number, ops: TransactionOp[], term = 1): Entry {
  return { index: toLogIndex(index), term: toTerm(term), kind: "normal", data: encodeCommand(ops) };
}
const put = (key: string, value: string): TransactionOp => ({ type: "put", key, value: utf8(value) });
const del = (key: string): TransactionOp => ({ type: "delete", key });

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

async function* fromArray(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

t.test("the command format round-trips any transaction and refuses malformed bytes", async (t) => {
  const op = fc.oneof(
    fc.record({
      type: fc.constant("put" as const),
      key: fc.string({ minLength: 1, unit: "grapheme" }),
      value: fc.uint8Array(),
    }),
    fc.record({ type: fc.constant("delete" as const), key: fc.string({ minLength: 1, unit: "grapheme" }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
      const decoded = decodeCommand(encodeCommand(ops));
      return (
        JSON.stringify(decoded.map((o) => ({ ...o, ...("value" in o ? { value: [...o.value] } : {}) }))) ===
        JSON.stringify(ops.map((o) => ({ ...o, ...("value" in o ? { value: [...o.value] } : {}) })))
      );
    }),
  );
  t.same(decodeCommand(new Uint8Array()), [], "the empty payload of a leader's no-op is an empty transaction");
  const good = encodeCommand([put("a", "b")]);
  t.throws(() => decodeCommand(Uint8Array.of(9, 0)), { code: "internal", message: /unknown command version 9/ });
  t.throws(() => decodeCommand(good.subarray(0, good.byteLength - 1)), { message: /truncated/ });
  t.throws(() => decodeCommand(Uint8Array.of(...good, 0)), { message: /trailing/ });
  t.throws(() => decodeCommand(Uint8Array.of(1, 1, 7, 1, 0x61)), { message: /unknown operation type 7/ });
  t.throws(() => decodeCommand(Uint8Array.of(1, 1, 2, 1, 0xff)), { message: /not UTF-8/ });
  t.throws(() => decodeCommand(Uint8Array.of(1, 0x81, 0x10)), { message: /exceed 1024/ });
  const big = new Uint8Array(16 * 1024 * 1024);
  t.throws(
    () =>
      encodeCommand([
        { type: "put", key: "a", value: big },
        { type: "put", key: "b", value: big },
      ]),
    {
      code: "payload_too_large",
    },
  );
});

t.test("apply writes operations and the applied index in one batch", async (t) => {
  const path = join(tempDir(t, "fsm"), "db");
  let db = await NodeDatabase.open(path);
  let fsm = await Fsm.open(db);
  t.same(fsm.applied(), { index: 0, term: 0 });
  const batch = new WriteBatch();
  fsm.stageApply(batch, [command(1, [put("a", "1"), put("dir/x", "2")]), command(2, [del("a")], 2)]);
  const described = batch.operations.map((operation) =>
    operation.key[0] === 0x44
      ? `${operation.type} data ${text(operation.key.subarray(fsmDataPrefixBytes))}`
      : `${operation.type} ${text(operation.key)}`,
  );
  t.same(
    described,
    ["put data a", "put data dir/x", "del data a", "put Mapplied"],
    "data and applied index share the batch",
  );
  t.equal(fsm.applied().index, 0, "nothing is visible before the batch is written");
  await db.write(batch, { sync: false });
  t.same(fsm.applied(), { index: 2, term: 2 });
  t.equal(await fsm.get("a"), undefined);
  t.equal(text(await fsm.get("dir/x")), "2");

  // A re-delivered entry is skipped: re-applying entry 1 would resurrect "a".
  await fsm.apply(
    [command(1, [put("a", "1"), put("dir/x", "2")]), command(2, [del("a")], 2), command(3, [put("b", "3")], 2)],
    {
      sync: true,
    },
  );
  t.equal(await fsm.get("a"), undefined, "entries at or below the applied index are not applied again");
  t.equal(text(await fsm.get("b")), "3");
  t.throws(() => fsm.stageApply(new WriteBatch(), [command(5, [])]), { message: /skips entries/ });

  const configuration = { servers: [{ id: "n1", address: "127.0.0.1:1", suffrage: "voter" as const }] };
  const configEntry: Entry = {
    index: toLogIndex(4),
    term: toTerm(2),
    kind: "config",
    data: encodeConfigEntry({ change: { type: "addVoter", id: "n1", address: "127.0.0.1:1" }, configuration }),
  };
  const configBatch = new WriteBatch();
  fsm.stageApply(configBatch, [configEntry]);
  t.same(
    configBatch.operations.map((operation) => text(operation.key)),
    [text(appliedKey), text(configurationKey)],
    "a config entry updates the configuration in the applied index's batch",
  );
  await db.write(configBatch, { sync: true });
  await db.close();

  db = await NodeDatabase.open(path);
  fsm = await Fsm.open(db);
  t.same(fsm.applied(), { index: 4, term: 2 });
  t.same(fsm.configuration(), { index: 4, configuration });
  t.same(await fsm.list(""), ["b", "dir/"]);
  await db.close();
});

t.test("a snapshot is a consistent view and restores into another FSM", async (t) => {
  const dir = tempDir(t, "fsm-snap");
  const source = await NodeDatabase.open(join(dir, "a"));
  const target = await NodeDatabase.open(join(dir, "b"));
  const from = await Fsm.open(source);
  const into = await Fsm.open(target);
  const ops = Array.from({ length: 300 }, (_, i) => put(`k/${String(i).padStart(4, "0")}`, `v${i}`.repeat(20)));
  await from.apply([command(1, ops.slice(0, 150)), command(2, ops.slice(150))], { sync: false });
  await into.apply([command(1, [put("stale", "x")])], { sync: false });

  const snapshot = await from.openSnapshot(1024);
  await from.apply([command(3, [put("later", "y"), del("k/0000")])], { sync: false });
  t.same(snapshot.meta, { index: 2, term: 1, configuration: { servers: [] } });
  const chunks = await collect(snapshot.chunks);
  t.ok(chunks.length > 5, "streamed in several chunks");

  const meta = await into.restore(fromArray(chunks));
  t.same(meta, snapshot.meta);
  t.same(into.applied(), { index: 2, term: 1 });
  t.equal(await into.get("stale"), undefined, "the old state is gone");
  t.equal(await into.get("later"), undefined, "writes after the snapshot was opened are not in it");
  t.equal(text(await into.get("k/0000")), "v0".repeat(20));
  t.equal((await into.list("k/")).length, 300);
  await into.apply([command(3, [put("after", "z")])], { sync: false });
  t.equal(text(await into.get("after")), "z", "applying continues after the snapshot index");
  await source.close();
  await target.close();
});

t.test("a corrupt or truncated snapshot changes nothing", async (t) => {
  const dir = tempDir(t, "fsm-bad");
  const source = await NodeDatabase.open(join(dir, "a"));
  const target = await NodeDatabase.open(join(dir, "b"));
  const from = await Fsm.open(source);
  const into = await Fsm.open(target);
  await from.apply([command(1, [put("x", "new"), put("y", "new")])], { sync: false });
  await into.apply([command(1, [put("x", "old")]), command(2, [])], { sync: false });
  const chunks = await collect((await from.openSnapshot(16)).chunks);
  const flipped = chunks.map((chunk) => chunk.slice());
  const victim = flipped[Math.floor(flipped.length / 2)] as Uint8Array;
  victim[0] = (victim[0] ?? 0) ^ 0x01;
  await t.rejects(into.restore(fromArray(flipped)), { code: "invalid_request" });
  await t.rejects(into.restore(fromArray(chunks.slice(0, -1))), { code: "invalid_request", message: /truncated/ });
  await t.rejects(into.restore(fromArray([utf8("not a snapshot at all")])), { message: /not a Coffer snapshot/ });
  t.same(into.applied(), { index: 2, term: 1 });
  t.equal(text(await into.get("x")), "old");
  t.equal(await into.get("y"), undefined);
  await source.close();
  await target.close();
});

t.test("kill -9 in the middle of a restore leaves the old state whole", async (t) => {
  const dir = tempDir(t, "fsm-crash");
  const snapshotSource = await NodeDatabase.open(join(dir, "source"));
  const from = await Fsm.open(snapshotSource);
  const ops = Array.from({ length: 1000 }, (_, i) => put(`new/${i}`, "n".repeat(2000)));
  await from.apply([command(1, ops.slice(0, 500)), command(2, ops.slice(500))], { sync: true });
  const chunks = await collect((await from.openSnapshot(64 * 1024)).chunks);
  await snapshotSource.close();

  const path = join(dir, "target");
  const db = await NodeDatabase.open(path);
  const fsm = await Fsm.open(db);
  await fsm.apply([command(1, [put("old", "kept")])], { sync: true });
  await db.close();
  const chunkFiles = join(dir, "chunks.json");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(chunkFiles, JSON.stringify(chunks.map((chunk) => Buffer.from(chunk).toString("base64"))));
  const moduleUrl = (name: string) => JSON.stringify(new URL(`./${name}`, import.meta.url).href);
  // The child restores all but the last chunk (the restore has written most of
  // the new generation, synced), then reports "ready" and is killed.
  await runAndKill(`
    const { readFileSync } = await import("node:fs");
    const { NodeDatabase } = await import(${moduleUrl("node-db.js")});
    const { Fsm } = await import(${moduleUrl("fsm.js")});
    const chunks = JSON.parse(readFileSync(${JSON.stringify(chunkFiles)}, "utf8")).map((c) => new Uint8Array(Buffer.from(c, "base64")));
    const db = await NodeDatabase.open(${JSON.stringify(path)});
    const fsm = await Fsm.open(db);
    async function* stream() {
      for (const chunk of chunks.slice(0, -1)) yield chunk;
      process.stdout.write("ready");
      await new Promise(() => {});
    }
    fsm.restore(stream());
    setInterval(() => {}, 1000);
  `);
  const again = await NodeDatabase.open(path);
  const before = await countDataKeys(again);
  t.ok(before > 1, `the killed restore had written part of the new generation (${before} data keys)`);
  const reopened = await Fsm.open(again);
  t.same(reopened.applied(), { index: 1, term: 1 }, "the applied index is the old one");
  t.equal(text(await reopened.get("old")), "kept");
  t.equal(await reopened.get("new/1"), undefined);
  t.same(await reopened.list(""), ["old"], "nothing of the half-restored generation is visible");
  t.equal(await countDataKeys(again), 1, "open cleared the unreachable generation");
  await again.close();
});

async function countDataKeys(db: NodeDatabase): Promise<number> {
  let count = 0;
  const iterator = db.iterate({ gte: Uint8Array.of(0x44), lt: Uint8Array.of(0x45) });
  for (let item = await iterator.next(); item; item = await iterator.next()) count += 1;
  await iterator.close();
  return count;
}

t.test("applied in memory: reads see it at once; a flush writes it whole, with its applied index", async (t) => {
  const path = join(tempDir(t, "fsm-overlay"), "db");
  let db = await NodeDatabase.open(path);
  let fsm = await Fsm.open(db);
  await fsm.apply([command(1, [put("a", "1"), put("dir/x", "2"), put("dir/y", "3")])], { sync: true });
  fsm.applyInMemory([command(2, [del("dir/x"), del("dir/y"), put("b", "4")], 2)]);
  t.same(fsm.applied(), { index: 2, term: 2 }, "reads see entry 2");
  t.same(fsm.writtenApplied(), { index: 1, term: 1 }, "LevelDB holds entry 1");
  t.ok(fsm.hasUnflushed());
  t.equal(await fsm.get("dir/x"), undefined, "a delete in memory hides the written value");
  t.equal(text(await fsm.get("b")), "4");
  t.same(await fsm.list(""), ["a", "b"], "the sub-tree whose keys are all deleted in memory is gone");
  const value = await fsm.get("b");
  value?.fill(0);
  t.equal(text(await fsm.get("b")), "4", "a caller mutating what it read changes nothing");

  // A later apply between staging a flush and its write stays in memory.
  const batch = new WriteBatch();
  t.ok(fsm.stageFlush(batch));
  fsm.applyInMemory([command(3, [put("b", "5")], 2)]);
  await db.write(batch, { sync: true });
  t.same(fsm.writtenApplied(), { index: 2, term: 2 });
  t.equal(text(await fsm.get("b")), "5", "the newer value, still in memory, wins");
  t.ok(fsm.hasUnflushed());
  t.throws(() => fsm.stageApply(new WriteBatch(), [command(4, [])]), { message: /flush them first/ });

  // Closed without the last flush, as in a crash: the written state is entry 2's, exactly.
  await db.close();
  db = await NodeDatabase.open(path);
  fsm = await Fsm.open(db);
  t.same(fsm.applied(), { index: 2, term: 2 });
  t.equal(text(await fsm.get("b")), "4");
  t.same(await fsm.list(""), ["a", "b"]);
  await db.close();
});

t.test("get and list over memory and LevelDB agree with a plain model, whatever is flushed when", async (t) => {
  const dir = tempDir(t, "fsm-model");
  let run = 0;
  const key = fc.constantFrom("a", "a/b", "a/c", "a/b/c", "a-", "a0", "b", "é", "b/x/y", "ab", "\u{1F600}");
  const op = fc.oneof(
    fc.record({ type: fc.constant("put" as const), key, value: fc.constantFrom("1", "2", "3") }),
    fc.record({ type: fc.constant("delete" as const), key }),
  );
  const step = fc.record({ ops: fc.array(op, { minLength: 1, maxLength: 4 }), flush: fc.boolean() });
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
      const db = await NodeDatabase.open(join(dir, String(run++)));
      try {
        const fsm = await Fsm.open(db);
        const model = new Map<string, string>();
        let index = 0;
        for (const { ops, flush } of steps) {
          fsm.applyInMemory([
            command(
              ++index,
              ops.map((item) => (item.type === "put" ? put(item.key, item.value) : del(item.key))),
            ),
          ]);
          for (const item of ops) {
            if (item.type === "put") model.set(item.key, item.value);
            else model.delete(item.key);
          }
          if (flush) {
            const batch = new WriteBatch();
            fsm.stageFlush(batch);
            await db.write(batch, { sync: false });
          }
          for (const prefix of ["", "a", "a/", "a/b/", "b/", "z"]) {
            const expected = new Set<string>();
            for (const stored of model.keys()) if (stored.startsWith(prefix)) expected.add(childOf(prefix, stored));
            const listed = await fsm.list(prefix);
            if (JSON.stringify(listed) !== JSON.stringify([...expected].sort(compareKeys))) return false;
          }
          for (const stored of ["a", "a/b", "b", "é", "\u{1F600}"]) {
            if (text(await fsm.get(stored)) !== model.get(stored)) return false;
          }
        }
        return true;
      } finally {
        await db.close();
      }
    }),
    { numRuns: 60 },
  );
  t.pass("60 random histories agree");
});
