import t from "tap";
import { checkHistory, HistoryError, HistoryRecorder } from "./index.js";
import { HistoryBuilder } from "./testing.js";

const verdict = (builder: HistoryBuilder) => checkHistory(builder.operations).verdict;

t.test("known-linearizable histories", async (t) => {
  t.equal(checkHistory([]).verdict, "linearizable", "empty history");

  const sequential = new HistoryBuilder();
  sequential.read("c1", "a", [0, 1], 0, null);
  sequential.write("c1", "a", "x", [2, 3], 1);
  sequential.read("c2", "a", [4, 5], 1, "x");
  sequential.cas("c1", "a", 1, "y", [6, 7], true);
  sequential.cas("c2", "a", 1, "z", [8, 9], false);
  sequential.read("c1", "a", [10, 11], 2, "y");
  t.equal(verdict(sequential), "linearizable", "sequential read, write, cas, refused cas");

  for (const seen of [
    [0, null],
    [1, "x"],
  ] as const) {
    const concurrent = new HistoryBuilder();
    concurrent.write("c1", "a", "x", [0, 10], 1);
    concurrent.read("c2", "a", [2, 8], seen[0], seen[1]);
    t.equal(verdict(concurrent), "linearizable", `a read concurrent with a write may see version ${seen[0]}`);
  }

  const touching = new HistoryBuilder();
  touching.write("c1", "a", "x", [0, 10], 1);
  touching.read("c2", "a", [10, 12], 0, null);
  t.equal(verdict(touching), "linearizable", "a read invoked at the instant a write returns counts as concurrent");

  const refusedUnderRace = new HistoryBuilder();
  refusedUnderRace.write("c1", "a", "x", [0, 10], 1);
  refusedUnderRace.cas("c2", "a", 0, "y", [1, 9], false);
  t.equal(verdict(refusedUnderRace), "linearizable", "a cas refused because a concurrent write got in first");

  const independentKeys = new HistoryBuilder();
  independentKeys.write("c1", "a", "x", [0, 10], 1);
  independentKeys.write("c1", "b", "x", [0, 10], 1);
  independentKeys.read("c2", "b", [20, 30], 1, "x");
  t.equal(verdict(independentKeys), "linearizable", "keys are separate registers");
});

t.test("indeterminate operations", async (t) => {
  const mustHaveHappened = new HistoryBuilder();
  mustHaveHappened.unknown("c1", "a", { kind: "write", value: "x" }, [0, 5]);
  mustHaveHappened.read("c2", "a", [100, 110], 1, "x");
  t.equal(verdict(mustHaveHappened), "linearizable", "an unknown write assumed to have happened explains a later read");

  const neverHappened = new HistoryBuilder();
  neverHappened.unknown("c1", "a", { kind: "write", value: "x" }, [0, 5]);
  neverHappened.read("c2", "a", [100, 110], 0, null);
  neverHappened.write("c2", "a", "y", [120, 130], 1);
  neverHappened.read("c2", "a", [140, 150], 1, "y");
  t.equal(verdict(neverHappened), "linearizable", "an unknown write that never happened");

  const late = new HistoryBuilder();
  late.unknown("c1", "a", { kind: "write", value: "x" }, [0, 5]);
  late.read("c2", "a", [10, 20], 0, null);
  late.read("c2", "a", [30, 40], 1, "x");
  t.equal(verdict(late), "linearizable", "an unknown write may take effect long after the client gave up");

  const versionGap = new HistoryBuilder();
  versionGap.write("c1", "a", "x", [0, 10], 1);
  versionGap.unknown("c2", "a", { kind: "write", value: "never-read" }, [20, 25]);
  versionGap.write("c1", "a", "y", [30, 40], 3);
  t.equal(verdict(versionGap), "linearizable", "an unknown write explains a skipped version");

  const noGapWithoutIt = new HistoryBuilder();
  noGapWithoutIt.write("c1", "a", "x", [0, 10], 1);
  noGapWithoutIt.write("c1", "a", "y", [30, 40], 3);
  t.equal(verdict(noGapWithoutIt), "non-linearizable", "...and without it the gap is an anomaly");

  const refusedAfterUnknown = new HistoryBuilder();
  refusedAfterUnknown.write("c1", "a", "x", [0, 10], 1);
  refusedAfterUnknown.unknown("c2", "a", { kind: "write", value: "never-read" }, [12, 14]);
  refusedAfterUnknown.cas("c1", "a", 1, "y", [20, 30], false);
  t.equal(verdict(refusedAfterUnknown), "linearizable", "a refused cas explained by an unknown write before it");

  const readBackUnknown = new HistoryBuilder();
  readBackUnknown.write("c1", "a", "x", [0, 10], 1);
  for (let i = 0; i < 30; i++) readBackUnknown.unknown("c2", "a", { kind: "write", value: `lost${i}` }, [12, 14]);
  readBackUnknown.unknown("c3", "a", { kind: "write", value: "seen" }, [15, 16]);
  readBackUnknown.read("c1", "a", [40, 50], 5, "seen");
  readBackUnknown.write("c1", "a", "z", [60, 70], 8);
  t.equal(verdict(readBackUnknown), "linearizable", "unknown writes landing in two bursts around one that was read");

  const unknownCas = new HistoryBuilder();
  unknownCas.write("c1", "a", "x", [0, 10], 1);
  unknownCas.unknown("c2", "a", { kind: "cas", expectedVersion: 1, value: "y" }, [20, 22]);
  unknownCas.read("c1", "a", [30, 40], 2, "y");
  t.equal(verdict(unknownCas), "linearizable", "an unknown cas that applied");

  const unknownCasCannotApply = new HistoryBuilder();
  unknownCasCannotApply.write("c1", "a", "x", [0, 10], 1);
  unknownCasCannotApply.unknown("c2", "a", { kind: "cas", expectedVersion: 0, value: "y" }, [20, 22]);
  unknownCasCannotApply.read("c1", "a", [30, 40], 2, "y");
  t.equal(
    verdict(unknownCasCannotApply),
    "non-linearizable",
    "an unknown cas cannot apply at a version it did not name",
  );

  const beforeInvocation = new HistoryBuilder();
  beforeInvocation.read("c2", "a", [0, 10], 1, "x");
  beforeInvocation.unknown("c1", "a", { kind: "write", value: "x" }, [20, 25]);
  t.equal(verdict(beforeInvocation), "non-linearizable", "an unknown write cannot take effect before it was invoked");

  const failedSeen = new HistoryBuilder();
  failedSeen.failed("c1", "a", { kind: "write", value: "x" }, [0, 5]);
  failedSeen.read("c2", "a", [10, 20], 1, "x");
  t.equal(verdict(failedSeen), "non-linearizable", "a failed write definitely did not happen");

  const manyUnknown = new HistoryBuilder();
  for (let i = 0; i < 200; i++) manyUnknown.unknown(`c${i % 7}`, "a", { kind: "write", value: `u${i}` }, [i, i + 1]);
  manyUnknown.read("c1", "a", [500, 510], 150, "u149");
  manyUnknown.write("c1", "a", "z", [520, 530], 200);
  manyUnknown.read("c1", "a", [540, 550], 200, "z");
  const result = checkHistory(manyUnknown.operations, { timeLimitMs: 10_000 });
  t.equal(result.verdict, "linearizable", "200 unknown writes, 149 of them needed before a read");
});

t.test("known-non-linearizable histories", async (t) => {
  const staleRead = new HistoryBuilder();
  staleRead.write("c1", "a", "x", [0, 10], 1);
  staleRead.write("c1", "a", "y", [20, 30], 2);
  staleRead.read("c2", "a", [40, 50], 1, "x");
  t.equal(verdict(staleRead), "non-linearizable", "stale read");

  const lostWrite = new HistoryBuilder();
  lostWrite.write("c1", "a", "x", [0, 10], 1);
  lostWrite.read("c2", "a", [20, 30], 0, null);
  t.equal(verdict(lostWrite), "non-linearizable", "lost acknowledged write");

  const reusedVersion = new HistoryBuilder();
  reusedVersion.write("c1", "a", "x", [0, 10], 1);
  reusedVersion.write("c2", "a", "y", [20, 30], 1);
  t.equal(verdict(reusedVersion), "non-linearizable", "two writes created the same version");

  const future = new HistoryBuilder();
  future.read("c2", "a", [0, 10], 1, "x");
  future.write("c1", "a", "x", [20, 30], 1);
  t.equal(verdict(future), "non-linearizable", "a read saw a write invoked after it returned");

  const doubleCas = new HistoryBuilder();
  doubleCas.cas("c1", "a", 0, "x", [0, 10], true);
  doubleCas.cas("c2", "a", 0, "y", [2, 12], true);
  t.equal(verdict(doubleCas), "non-linearizable", "two concurrent cas=0 both applied");

  const casWrongVersion = new HistoryBuilder();
  casWrongVersion.cas("c1", "a", 1, "x", [0, 10], true);
  t.equal(verdict(casWrongVersion), "non-linearizable", "cas=1 applied on a key never written");

  const casRefusedWrongly = new HistoryBuilder();
  casRefusedWrongly.write("c1", "a", "x", [0, 10], 1);
  casRefusedWrongly.cas("c2", "a", 1, "y", [20, 30], false);
  t.equal(verdict(casRefusedWrongly), "non-linearizable", "cas refused although the version matched");

  const flipFlop = new HistoryBuilder();
  flipFlop.write("c1", "a", "x", [0, 100], 1);
  flipFlop.read("c2", "a", [10, 20], 1, "x");
  flipFlop.read("c3", "a", [30, 40], 0, null);
  t.equal(verdict(flipFlop), "non-linearizable", "a concurrent write seen, then unseen");

  const readOwnWriteLost = new HistoryBuilder();
  readOwnWriteLost.write("c1", "a", "x", [0, 10], 1);
  readOwnWriteLost.write("c2", "b", "x", [0, 10], 1);
  readOwnWriteLost.read("c3", "b", [20, 30], 1, "x");
  readOwnWriteLost.read("c3", "a", [20, 30], 0, null);
  const result = checkHistory(readOwnWriteLost.operations);
  t.equal(result.verdict, "non-linearizable");
  t.same(
    result.keys.map((key) => [key.key, key.verdict]),
    [
      ["a", "non-linearizable"],
      ["b", "linearizable"],
    ],
    "only the failing key is blamed",
  );
});

t.test("the report names the smallest failing window and why", async (t) => {
  const history = new HistoryBuilder();
  for (let i = 0; i < 20; i++) history.write("c1", "a", `early${i}`, [i * 10, i * 10 + 5], i + 1);
  const lastWrite = history.write("c2", "a", "new", [300, 310], 21);
  const stale = history.read("c3", "a", [320, 330], 20, "early19");
  history.read("c3", "a", [340, 350], 21, "new");
  const result = checkHistory(history.operations);
  t.equal(result.verdict, "non-linearizable");
  const explanation = result.keys[0]?.explanation;
  t.ok(explanation, "an explanation");
  t.equal(explanation?.culprit.id, stale, "the stale read is the culprit");
  const windowIds = explanation?.operations.map((operation) => operation.id) ?? [];
  t.ok(windowIds.includes(lastWrite), "the window holds the write it missed");
  t.ok(windowIds.length <= 3, `the window is small (${windowIds.length} operations), not the 23 of the history`);
  t.same(
    explanation?.possibleStates.map((state) => state.description),
    ['version 21 holding "new" (never read back)'],
    "the only state the read could have seen",
  );
  t.match(result.report, /#21 c3 read \[320\.0, 330\.0\] ok: version 20 "early19"\s+<-- cannot be placed/);
  t.match(result.report, /needs the key at version 20 holding "early19"/);
  t.match(result.report, /version 21 holding "new" \(never read back\) \(after #20\): the key is at version 21/);
});

t.test("limits give unknown, never a pass", async (t) => {
  const history = new HistoryBuilder();
  history.write("c1", "a", "x", [0, 10], 1);
  history.read("c2", "a", [20, 30], 1, "x");
  const tinyCache = checkHistory(history.operations, { cacheBytesMax: 1 });
  t.equal(tinyCache.verdict, "unknown");
  t.equal(tinyCache.keys[0]?.limit, "memory");

  // Many concurrent writes, all read back in an impossible order: a big search space.
  const hard = new HistoryBuilder();
  for (let i = 0; i < 14; i++) hard.write(`c${i}`, "a", `w${i}`, [0, 1000]);
  for (let i = 0; i < 14; i++) hard.read("r", "a", [2000 + i * 10, 2005 + i * 10], 14 - i, `w${i}`);
  const noTime = checkHistory(hard.operations, { timeLimitMs: 0 });
  t.equal(noTime.verdict, "unknown");
  t.equal(noTime.keys[0]?.limit, "time");
  t.match(noTime.report, /stopped by the time limit/);
});

t.test("malformed histories are refused with a typed error", async (t) => {
  const backwards = new HistoryBuilder();
  backwards.write("c1", "a", "x", [10, 0], 1);
  t.throws(() => checkHistory(backwards.operations), HistoryError);
  const mismatched = new HistoryBuilder();
  mismatched.write("c1", "a", "x", [0, 10], 1);
  const [first] = mismatched.operations;
  t.throws(
    () => checkHistory([{ ...first!, outcome: { status: "ok", result: { kind: "read", version: 1, value: "x" } } }]),
    { name: "HistoryError", message: /a write returned a read result/ },
  );
  const badRead = new HistoryBuilder();
  badRead.read("c1", "a", [0, 1], 0, "x");
  t.throws(() => checkHistory(badRead.operations), { message: /value null exactly at version 0/ });
  const duplicate = new HistoryBuilder();
  duplicate.read("c1", "a", [0, 1], 0, null);
  t.throws(() => checkHistory([...duplicate.operations, ...duplicate.operations]), { message: /duplicate id/ });
});

t.test("the recorder keeps one clock and reports pending operations as unknown", async (t) => {
  let now = 0;
  const recorder = new HistoryRecorder(() => now);
  const write = recorder.invoke("c1", "a", { kind: "write", value: "x" });
  now = 5;
  const read = recorder.invoke("c2", "a", { kind: "read" });
  now = 7;
  write.ok({ kind: "write", version: 1 });
  now = 9;
  recorder.invoke("c3", "a", { kind: "write", value: "y" }).failed("400");
  const history = recorder.history();
  t.same(
    history.map((operation) => [operation.id, operation.invokeMs, operation.returnMs, operation.outcome.status]),
    [
      [0, 0, 7, "ok"],
      [1, 5, 9, "unknown"],
      [2, 9, 9, "failed"],
    ],
  );
  read.ok({ kind: "read", version: 1, value: "x" });
  t.throws(() => read.ok({ kind: "read", version: 1, value: "x" }), HistoryError, "an operation finishes once");
  t.equal(checkHistory(recorder.history()).verdict, "linearizable");
});
