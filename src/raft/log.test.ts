import t from "tap";
import { AssertionError } from "../lib/index.js";
import { RaftLog } from "./log.js";
import { MemoryStorage } from "./storage.js";
import { entry } from "./testkit/fixtures.js";
import type { Entry } from "./types.js";
import { toLogIndex, toTerm } from "./types.js";

/** A log whose storage holds entries 1..terms.length with the given terms. */
function makeLog(terms: number[]): { log: RaftLog; storage: MemoryStorage; appended: Entry[][] } {
  const storage = new MemoryStorage();
  storage.append(terms.map((term, i) => entry(i + 1, term)));
  const appended: Entry[][] = [];
  const log = new RaftLog(storage, (entries) => appended.push([...entries]));
  return { log, storage, appended };
}

function terms(log: RaftLog): (number | undefined)[] {
  const result: (number | undefined)[] = [];
  for (let index = log.firstIndex(); index <= log.lastIndex(); index++) result.push(log.term(index));
  return result;
}

t.test("the log view joins stored and unstable entries", async (t) => {
  const { log } = makeLog([1, 1, 2]);
  log.append([entry(4, 3), entry(5, 3)]);
  t.equal(log.lastIndex(), 5);
  t.same(terms(log), [1, 1, 2, 3, 3]);
  t.same(
    log.entries(2, 6, Number.MAX_SAFE_INTEGER)?.map((item) => item.index),
    [2, 3, 4, 5],
    "across the boundary",
  );
  t.equal(log.term(0), 0, "index 0 is the empty prefix, term 0");
  t.equal(log.term(6), undefined, "beyond the end");
  t.same(
    log.unstable().entries.map((item) => item.index),
    [4, 5],
  );
});

t.test("entries honour the byte bound but always return one", async (t) => {
  const { log } = makeLog([1, 1, 1]);
  t.equal(log.entries(1, 4, 1)?.length, 1);
  t.equal(log.entries(1, 4, 2 * 16)?.length, 2, "two empty entries of 16 overhead bytes each");
  const compacted = makeLog([1, 1, 1]);
  compacted.storage.createSnapshot({
    meta: { index: toLogIndex(2), term: toTerm(1), configuration: { servers: [] } },
    data: new Uint8Array(),
  });
  compacted.storage.compact(toLogIndex(2));
  const view = new RaftLog(compacted.storage, () => {});
  t.equal(view.entries(1, 4, 100), null, "a compacted start is null (send a snapshot), not an error");
  t.equal(view.term(2), 1, "the compaction point's term is still known");
  t.equal(view.term(1), undefined);
});

t.test(
  "§5.3 maybeAppend: matching previous entry, conflicts truncated, commit bounded by the new entries",
  async (t) => {
    const { log, appended } = makeLog([1, 2, 2]);
    t.equal(log.maybeAppend(3, 3, 10, [entry(4, 3)]), null, "previous term differs: refused");
    t.equal(log.maybeAppend(2, 2, 10, [entry(3, 2), entry(4, 3)]), 4);
    t.same(
      appended.at(-1)?.map((item) => item.index),
      [4],
      "only what was new",
    );
    t.equal(log.committed, 4, "commit = min(leader commit 10, last new index 4)");
    const second = makeLog([1, 2, 2, 2]);
    t.equal(second.log.maybeAppend(1, 1, 0, [entry(2, 2), entry(3, 3)]), 3);
    t.same(terms(second.log), [1, 2, 3], "the conflicting suffix from index 3 on is gone");
    t.same(
      second.log.unstable().entries.map((item) => item.index),
      [3],
      "the Ready's first entry (3) is below the stored last index (4): the driver truncates",
    );
    t.equal(second.log.maybeAppend(1, 1, 0, [entry(2, 2)]), 2, "a stale shorter append keeps later entries");
    t.same(terms(second.log), [1, 2, 3]);
  },
);

t.test("§5.3 a committed entry can never be overwritten", async (t) => {
  const { log } = makeLog([1, 2, 2]);
  log.commitTo(3);
  t.throws(() => log.maybeAppend(1, 1, 3, [entry(2, 2), entry(3, 3)]), AssertionError);
  t.throws(() => log.commitTo(9), AssertionError, "nor can commit pass the last index");
});

t.test("findConflictByTerm skips back to an entry of at most the given term", async (t) => {
  const { log } = makeLog([1, 1, 2, 2, 4, 4]);
  t.same(log.findConflictByTerm(6, 3), { index: 4, term: 2 });
  t.same(log.findConflictByTerm(6, 4), { index: 6, term: 4 });
  t.same(log.findConflictByTerm(6, 0), { index: 0, term: 0 });
});

t.test("§5.4.1 isUpToDate compares last terms, then lengths", async (t) => {
  const { log } = makeLog([1, 2, 2]);
  t.ok(log.isUpToDate(1, 3));
  t.ok(log.isUpToDate(3, 2));
  t.notOk(log.isUpToDate(2, 2));
  t.notOk(log.isUpToDate(9, 1));
});

t.test("§5.4.2 maybeCommit commits only an entry of the given term", async (t) => {
  const { log } = makeLog([1, 2, 3]);
  t.notOk(log.maybeCommit(2, 3), "index 2 is of term 2");
  t.ok(log.maybeCommit(3, 3));
  t.equal(log.committed, 3);
});

t.test("§7 restore replaces the log with a snapshot; markStable moves it to storage", async (t) => {
  const { log, storage } = makeLog([1, 1, 1]);
  const snapshot = {
    meta: { index: toLogIndex(10), term: toTerm(4), configuration: { servers: [] } },
    data: new Uint8Array(),
  };
  log.restore(snapshot);
  t.equal(log.firstIndex(), 11);
  t.equal(log.lastIndex(), 10);
  t.equal(log.term(10), 4);
  t.equal(log.term(9), undefined, "everything before is compacted");
  t.equal(log.committed, 10);
  storage.applySnapshot(snapshot);
  log.markStable();
  t.equal(log.applied, 10, "the FSM restored from it: applied moves to the snapshot");
  t.equal(log.term(10), 4, "now served by storage");
});

t.test("nextCommittedEntries hands out committed entries above applied within the byte bound", async (t) => {
  const { log } = makeLog([1, 1, 1, 1]);
  log.commitTo(3);
  t.same(
    log.nextCommittedEntries(1000).map((item) => item.index),
    [1, 2, 3],
  );
  log.appliedTo(2);
  t.same(
    log.nextCommittedEntries(1000).map((item) => item.index),
    [3],
  );
  t.same(
    log.nextCommittedEntries(1).map((item) => item.index),
    [3],
  );
});
