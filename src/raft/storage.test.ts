import t from "tap";
import { AssertionError } from "../lib/index.js";
import { limitBytes, MemoryStorage } from "./storage.js";
import { entry } from "./testkit/fixtures.js";
import { toLogIndex, toTerm } from "./types.js";

t.test("MemoryStorage appends, truncates a conflicting suffix, and refuses gaps", async (t) => {
  const storage = new MemoryStorage();
  t.equal(storage.firstIndex(), 1);
  t.equal(storage.lastIndex(), 0);
  t.equal(storage.term(toLogIndex(0)), 0);
  storage.append([entry(1, 1), entry(2, 1), entry(3, 2)]);
  storage.append([entry(3, 3), entry(4, 3)]);
  t.same(
    storage.entries(toLogIndex(1), toLogIndex(5), 1e9).map((item) => item.term),
    [1, 1, 3, 3],
  );
  t.throws(() => storage.append([entry(9, 3)]), AssertionError);
  t.throws(() => storage.entries(toLogIndex(0), toLogIndex(2), 100), AssertionError);
});

t.test("snapshots and compaction keep the boundary term; a follower's snapshot replaces the log", async (t) => {
  const storage = new MemoryStorage();
  storage.append([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)]);
  const meta = { index: toLogIndex(3), term: toTerm(2), configuration: { servers: [] } };
  t.throws(() => storage.compact(toLogIndex(2)), AssertionError, "compaction needs a snapshot covering it");
  storage.createSnapshot({ meta, data: new Uint8Array([1]) });
  storage.compact(toLogIndex(2));
  t.equal(storage.firstIndex(), 3);
  t.equal(storage.term(toLogIndex(2)), 1, "the boundary's term");
  t.equal(storage.term(toLogIndex(1)), undefined);
  t.equal(storage.initialState().snapshotMeta.index, 3);
  const copy = storage.clone();
  storage.applySnapshot({ meta: { ...meta, index: toLogIndex(10), term: toTerm(5) }, data: new Uint8Array() });
  t.equal(storage.firstIndex(), 11);
  t.equal(storage.lastIndex(), 10);
  t.equal(storage.term(toLogIndex(10)), 5);
  t.equal(copy.lastIndex(), 4, "a clone is independent");
});

t.test("limitBytes keeps at least one entry", async (t) => {
  const entries = [entry(1, 1, "x".repeat(100)), entry(2, 1, "y")];
  t.equal(limitBytes(entries, 10).length, 1);
  t.equal(limitBytes(entries, 1000).length, 2);
  t.equal(limitBytes([], 10).length, 0);
});
