import { join } from "node:path";
import fc from "fast-check";
import t from "tap";
import type { Entry } from "../raft/index.js";
import { MemoryStorage, toLogIndex, toTerm } from "../raft/index.js";
import { hardStateKey, indexOfLogKey, logKey, logRange, logStartKey } from "./keys.js";
import { decodeEntryRecord, encodeEntryRecord, LogStore } from "./log-store.js";
import { NodeDatabase, WriteBatch } from "./node-db.js";
import { decodeHardState, StableStore } from "./stable-store.js";
import { entries, entry, runAndKill, tempDir } from "./test-helpers.js";

const text = (data: Uint8Array): string => new TextDecoder().decode(data);
const describe = (list: readonly Entry[]): string[] =>
  list.map((item) => `${item.index}/${item.term}/${text(item.data)}`);

async function storedIndexes(db: NodeDatabase): Promise<number[]> {
  const indexes: number[] = [];
  const iterator = db.iterate(logRange());
  for (let item = await iterator.next(); item; item = await iterator.next()) indexes.push(indexOfLogKey(item.key));
  await iterator.close();
  return indexes;
}

async function append(db: NodeDatabase, log: LogStore, list: readonly Entry[]): Promise<void> {
  const batch = new WriteBatch();
  log.stageAppend(batch, list);
  await db.write(batch, { sync: true });
}

t.test("keys order numerically in LevelDB", async (t) => {
  const indexes = [0, 1, 255, 256, 65_535, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
  const sorted = indexes.map(logKey).sort(Buffer.compare).map(indexOfLogKey);
  t.same(sorted, indexes);
  t.throws(() => logKey(-1), RangeError);
  t.throws(() => logKey(2 ** 53), RangeError);
});

t.test("append, read, reopen", async (t) => {
  const path = join(tempDir(t, "log"), "db");
  let db = await NodeDatabase.open(path);
  let log = await LogStore.open(db);
  t.equal(log.firstIndex(), 1);
  t.equal(log.lastIndex(), 0);
  t.equal(log.term(toLogIndex(0)), 0, "the empty log starts after index 0, term 0");
  t.equal(log.term(toLogIndex(1)), undefined);

  await append(db, log, entries(1, 5, 1));
  await append(db, log, entries(6, 9, 2));
  t.equal(log.lastIndex(), 9);
  t.equal(log.term(toLogIndex(5)), 1);
  t.equal(log.term(toLogIndex(6)), 2);
  t.same(describe(log.entries(toLogIndex(4), toLogIndex(8), 1 << 20)), [
    "4/1/e4t1",
    "5/1/e5t1",
    "6/2/e6t2",
    "7/2/e7t2",
  ]);
  t.same(describe(log.entries(toLogIndex(4), toLogIndex(8), 1)), ["4/1/e4t1"], "at least one entry under a tiny limit");
  t.throws(() => log.entries(toLogIndex(0), toLogIndex(2), 100), "reading before the first index is a bug");
  t.throws(() => log.entries(toLogIndex(9), toLogIndex(11), 100), "reading past the last index is a bug");
  t.throws(() => log.stageAppend(new WriteBatch(), entries(11, 11, 2)), "a gap is refused");
  t.throws(() => log.stageAppend(new WriteBatch(), entries(10, 10, 1)), "going back in term is refused");

  await db.close();
  db = await NodeDatabase.open(path);
  log = await LogStore.open(db);
  t.equal(log.firstIndex(), 1);
  t.equal(log.lastIndex(), 9);
  t.same(describe(log.entries(toLogIndex(1), toLogIndex(10), 1 << 20)).length, 9);
  t.equal(log.term(toLogIndex(9)), 2);
  await db.close();
});

t.test("a conflicting suffix is truncated in the same batch", async (t) => {
  const path = join(tempDir(t, "log"), "db");
  const db = await NodeDatabase.open(path);
  const log = await LogStore.open(db);
  await append(db, log, entries(1, 10, 1));

  const batch = new WriteBatch();
  log.stageAppend(batch, [entry(6, 2, "new6"), entry(7, 2, "new7")]);
  t.same(
    batch.operations.map((operation) => `${operation.type} ${indexOfLogKey(operation.key)}`),
    ["put 6", "put 7", "del 8", "del 9", "del 10"],
    "the batch holds the new entries and the deletion of the rest of the old suffix",
  );
  t.equal(log.lastIndex(), 7, "the in-memory view moves at staging");
  t.same(
    describe(log.entries(toLogIndex(6), toLogIndex(8), 1 << 20)),
    ["6/2/new6", "7/2/new7"],
    "staged entries readable",
  );
  await db.write(batch, { sync: true });
  t.same(await storedIndexes(db), [1, 2, 3, 4, 5, 6, 7]);
  await db.close();

  const again = await NodeDatabase.open(path);
  const reopened = await LogStore.open(again);
  t.same(describe(reopened.entries(toLogIndex(5), toLogIndex(8), 1 << 20)), ["5/1/e5t1", "6/2/new6", "7/2/new7"]);
  await again.close();
});

t.test("compaction keeps the boundary term and survives reopen", async (t) => {
  const path = join(tempDir(t, "log"), "db");
  let db = await NodeDatabase.open(path);
  let log = await LogStore.open(db);
  await append(db, log, [...entries(1, 4, 1), ...entries(5, 8, 3)]);
  const batch = new WriteBatch();
  log.stageCompact(batch, toLogIndex(5));
  log.stageAppend(batch, entries(9, 9, 3));
  await db.write(batch, { sync: true });
  t.equal(log.firstIndex(), 6);
  t.equal(log.term(toLogIndex(5)), 3, "the compacted boundary keeps its term");
  t.equal(log.term(toLogIndex(4)), undefined);
  t.same(await storedIndexes(db), [6, 7, 8, 9]);
  await db.close();
  db = await NodeDatabase.open(path);
  log = await LogStore.open(db);
  t.same(log.start(), { index: 5, term: 3 });
  t.equal(log.lastIndex(), 9);
  t.throws(() => log.stageAppend(new WriteBatch(), entries(5, 5, 3)), "cannot append at or below the start");

  const reset = new WriteBatch();
  log.stageReset(reset, { index: toLogIndex(20), term: toTerm(4) });
  await db.write(reset, { sync: true });
  t.equal(log.firstIndex(), 21);
  t.equal(log.lastIndex(), 20);
  t.equal(log.term(toLogIndex(20)), 4);
  t.same(await storedIndexes(db), [], "a reset deletes every entry in its batch");
  await append(db, log, entries(21, 22, 4));
  await db.close();
  db = await NodeDatabase.open(path);
  log = await LogStore.open(db);
  t.same(log.start(), { index: 20, term: 4 });
  t.equal(log.lastIndex(), 22);
  await db.close();
});

t.test("entries evicted from the cache are read back from LevelDB", async (t) => {
  const db = await NodeDatabase.open(join(tempDir(t, "log"), "db"));
  const log = await LogStore.open(db, { entryCacheBytesMax: 64 });
  await append(db, log, entries(1, 50, 1));
  t.same(
    describe(log.entries(toLogIndex(1), toLogIndex(51), 1 << 20)),
    describe(entries(1, 50, 1)),
    "every entry comes back, most of them from disk",
  );
  await db.close();
});

t.test("a corrupt log is refused with a typed error, not a guess", async (t) => {
  const path = join(tempDir(t, "log"), "db");
  let db = await NodeDatabase.open(path);
  const log = await LogStore.open(db);
  await append(db, log, entries(1, 3, 1));
  const hole = new WriteBatch();
  hole.del(logKey(2));
  await db.write(hole, { sync: true });
  await db.close();
  db = await NodeDatabase.open(path);
  await t.rejects(LogStore.open(db), { code: "internal", message: /entry 3 where 2 was expected/ });
  const garbage = new WriteBatch();
  garbage.put(logKey(2), Uint8Array.of(9, 9));
  await db.write(garbage, { sync: true });
  await t.rejects(LogStore.open(db), { code: "internal", message: /unknown record version 9/ });
  await db.close();
  t.throws(() => decodeEntryRecord(1, Uint8Array.of(1, 7, 0, 0, 0, 0, 0, 0, 0, 1)), { message: /unknown entry kind/ });
  t.throws(() => decodeEntryRecord(1, Uint8Array.of(1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)), {
    message: /safe integer/,
  });
  t.same(describe([decodeEntryRecord(4, encodeEntryRecord(entry(4, 2, "x")))]), ["4/2/x"]);
});

t.test("append + hard state in one synced batch survive kill -9", async (t) => {
  const path = join(tempDir(t, "log"), "db");
  const moduleUrl = (name: string) => JSON.stringify(new URL(`./${name}`, import.meta.url).href);
  // The child stages entries and a hard state into ONE batch, writes it synced,
  // prints "ready" and is SIGKILLed without closing anything.
  await runAndKill(`
    const { NodeDatabase, WriteBatch } = await import(${moduleUrl("node-db.js")});
    const { LogStore } = await import(${moduleUrl("log-store.js")});
    const { StableStore } = await import(${moduleUrl("stable-store.js")});
    const db = await NodeDatabase.open(${JSON.stringify(path)});
    const log = await LogStore.open(db);
    const stable = await StableStore.open(db);
    const entry = (index) => ({ index, term: 3, kind: "normal", data: new TextEncoder().encode("v" + index) });
    for (let round = 0; round < 20; round++) {
      const batch = new WriteBatch();
      log.stageAppend(batch, [entry(round * 5 + 1), entry(round * 5 + 2), entry(round * 5 + 3), entry(round * 5 + 4), entry(round * 5 + 5)]);
      stable.stageHardState(batch, { term: 3, votedFor: "node-b", commit: round * 5 });
      await db.write(batch, { sync: true });
    }
    process.stdout.write("ready");
    setInterval(() => {}, 1000);
  `);
  const db = await NodeDatabase.open(path);
  const log = await LogStore.open(db);
  const stable = await StableStore.open(db);
  t.equal(log.lastIndex(), 100, "every synced append is there");
  t.same(stable.hardState(), { term: 3, votedFor: "node-b", commit: 95 });
  t.equal(text(log.entries(toLogIndex(100), toLogIndex(101), 1 << 20)[0]?.data ?? new Uint8Array()), "v100");
  t.same(decodeHardState((await db.get(hardStateKey)) ?? new Uint8Array()).term, 3);
  t.equal(await db.get(logStartKey), undefined, "never compacted");
  await db.close();
});

t.test("model check: random appends, truncations, compactions and reopens match MemoryStorage", async (t) => {
  const root = tempDir(t, "log-model");
  let run = 0;
  const operation = fc.oneof(
    fc.record({
      kind: fc.constant("append" as const),
      back: fc.nat(6),
      count: fc.integer({ min: 1, max: 5 }),
      bump: fc.boolean(),
    }),
    fc.record({ kind: fc.constant("compact" as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.record({ kind: fc.constant("reopen" as const) }),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(operation, { maxLength: 25 }),
      fc.integer({ min: 40, max: 400 }),
      async (operations, cacheBytes) => {
        const path = join(root, `db-${run++}`);
        let db = await NodeDatabase.open(path);
        let log = await LogStore.open(db, { entryCacheBytesMax: cacheBytes });
        const model = new MemoryStorage();
        let term = 1;
        try {
          for (const step of operations) {
            if (step.kind === "append") {
              const first = Math.max(model.firstIndex(), model.lastIndex() + 1 - step.back);
              if (step.bump) term += 1;
              const list = Array.from({ length: step.count }, (_, offset) =>
                entry(first + offset, term, `r${run}i${first + offset}t${term}`),
              );
              model.append(list);
              await append(db, log, list);
            } else if (step.kind === "compact") {
              const index = Math.floor(
                model.firstIndex() - 1 + step.fraction * (model.lastIndex() - model.firstIndex() + 1),
              );
              if (index < model.firstIndex()) continue;
              model.createSnapshot({
                meta: {
                  index: toLogIndex(index),
                  term: model.term(toLogIndex(index)) ?? toTerm(0),
                  configuration: { servers: [] },
                },
                data: new Uint8Array(),
              });
              model.compact(toLogIndex(index));
              const batch = new WriteBatch();
              log.stageCompact(batch, toLogIndex(index));
              await db.write(batch, { sync: false });
            } else {
              await db.close();
              db = await NodeDatabase.open(path);
              log = await LogStore.open(db, { entryCacheBytesMax: cacheBytes });
            }
            if (log.firstIndex() !== model.firstIndex() || log.lastIndex() !== model.lastIndex()) return false;
            for (let index = model.firstIndex() - 1; index <= model.lastIndex() + 1; index++) {
              if (log.term(toLogIndex(index)) !== model.term(toLogIndex(index))) return false;
            }
            if (model.lastIndex() >= model.firstIndex()) {
              const all = describe(log.entries(model.firstIndex(), toLogIndex(model.lastIndex() + 1), 1 << 20));
              const expected = describe(model.entries(model.firstIndex(), toLogIndex(model.lastIndex() + 1), 1 << 20));
              if (all.join() !== expected.join()) return false;
            }
          }
          const stored = await storedIndexes(db);
          const wanted = Array.from(
            { length: model.lastIndex() - model.firstIndex() + 1 },
            (_, i) => model.firstIndex() + i,
          );
          return stored.join() === wanted.join();
        } finally {
          await db.close();
        }
      },
    ),
    { numRuns: 60, seed: Number(process.env["COFFER_SEED"] ?? 20_260_101) },
  );
  t.pass("60 random histories agree with the model");
});

t.test("StableStore round-trips the hard state", async (t) => {
  const path = join(tempDir(t, "stable"), "db");
  let db = await NodeDatabase.open(path);
  let stable = await StableStore.open(db);
  t.same(stable.hardState(), { term: 0, votedFor: "", commit: 0 });
  const batch = new WriteBatch();
  stable.stageHardState(batch, { term: toTerm(2 ** 40), votedFor: "nödé-ü", commit: toLogIndex(12) });
  await db.write(batch, { sync: true });
  await db.close();
  db = await NodeDatabase.open(path);
  stable = await StableStore.open(db);
  t.same(stable.hardState(), { term: 2 ** 40, votedFor: "nödé-ü", commit: 12 });
  await db.close();
  t.throws(() => decodeHardState(Uint8Array.of(1, 0)), { code: "internal", message: /truncated/ });
});

t.test("StableStore: a noted hard state is written only by the next batch that stages it", async (t) => {
  const path = join(tempDir(t, "stable-pending"), "db");
  let db = await NodeDatabase.open(path);
  let stable = await StableStore.open(db);
  const first = new WriteBatch();
  stable.stageHardState(first, { term: toTerm(3), votedFor: "a", commit: toLogIndex(5) });
  await db.write(first, { sync: true });
  t.notOk(stable.hasPending, "nothing pending once staged");

  stable.note({ term: toTerm(3), votedFor: "a", commit: toLogIndex(9) });
  t.ok(stable.hasPending);
  t.equal(stable.hardState().commit, 9, "the newest hard state is what the store reports");
  await db.close();
  db = await NodeDatabase.open(path);
  stable = await StableStore.open(db);
  t.equal(stable.hardState().commit, 5, "a noted hard state alone never reached the disk");

  stable.note({ term: toTerm(3), votedFor: "a", commit: toLogIndex(9) });
  stable.note({ term: toTerm(3), votedFor: "a", commit: toLogIndex(11) });
  const carrier = new WriteBatch();
  stable.stagePending(carrier);
  const again = new WriteBatch();
  stable.stagePending(again);
  t.equal(carrier.operations.length, 1, "the next batch carries the newest one");
  t.equal(again.operations.length, 0, "and no later batch stages it again");
  await db.write(carrier, { sync: true });
  await db.close();
  db = await NodeDatabase.open(path);
  stable = await StableStore.open(db);
  t.same(stable.hardState(), { term: 3, votedFor: "a", commit: 11 });
  await db.close();
});
