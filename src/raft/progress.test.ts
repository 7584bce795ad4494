import t from "tap";
import { Progress } from "./progress.js";

t.test("probe: one message at a time; an acceptance moves to replicate-ready match", async (t) => {
  const progress = new Progress(6, 4, 1000);
  t.notOk(progress.isPaused());
  progress.sentEntries(8, 30);
  t.ok(progress.isPaused(), "waits for the answer");
  t.ok(progress.maybeUpdate(8));
  t.equal(progress.match, 8);
  t.equal(progress.next, 9);
  t.notOk(progress.isPaused());
});

t.test(
  "§5.3 probe: a rejection moves next back to the hint, never below match+1; stale ones are ignored",
  async (t) => {
    const progress = new Progress(11, 4, 1000);
    progress.match = 3;
    t.notOk(progress.maybeDecreaseTo(7, 5), "rejects prev 7 but we last sent prev 10: stale");
    t.ok(progress.maybeDecreaseTo(10, 5));
    t.equal(progress.next, 6, "hint 5 -> next 6");
    t.ok(progress.maybeDecreaseTo(5, 0));
    t.equal(progress.next, 4, "not below match + 1");
  },
);

t.test("replicate: optimistic next, flow control by inflights, rejections resume after match", async (t) => {
  const progress = new Progress(5, 2, 1000);
  progress.maybeUpdate(4);
  progress.becomeReplicate();
  progress.sentEntries(6, 10);
  progress.sentEntries(8, 10);
  t.equal(progress.next, 9, "pipelined ahead of acknowledgements");
  t.ok(progress.isPaused(), "window of 2 is full");
  progress.maybeUpdate(6);
  progress.inflights.freeLessOrEqual(6);
  t.notOk(progress.isPaused());
  t.notOk(progress.maybeDecreaseTo(5, 5), "a rejection at or below match is stale");
  t.ok(progress.maybeDecreaseTo(8, 3));
  t.equal(progress.next, 7, "restart right after match");
});

t.test("snapshot: paused until resolved; probing resumes above the snapshot", async (t) => {
  const progress = new Progress(5, 2, 1000);
  progress.becomeSnapshot(20);
  t.ok(progress.isPaused());
  t.equal(progress.next, 21);
  progress.becomeProbe();
  t.equal(progress.next, 21, "after a finished transfer, from the snapshot on");
  progress.becomeSnapshot(20);
  progress.pendingSnapshot = 0;
  progress.becomeProbe();
  t.equal(progress.next, 1, "after a failed one, from match + 1");
});
