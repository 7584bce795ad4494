import { join } from "node:path";
import t from "tap";
import type { TransactionOp } from "../physical/index.js";
import { toLogIndex, toTerm } from "../raft/index.js";
import { utf8 } from "./bytes.js";
import { encodeCommand } from "./fsm-command.js";
import { WriteBatch } from "./node-db.js";
import { NodeStorage } from "./node-storage.js";
import { tempDir } from "./test-helpers.js";

const configuration = { servers: [{ id: "a", address: "a:1", suffrage: "voter" as const }] };
const put = (key: string, value: string): TransactionOp => ({ type: "put", key, value: utf8(value) });
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

/** Appends normal entries carrying `ops` (one op each) and applies them, as a driver round would. */
async function appendAndApply(storage: NodeStorage, ops: TransactionOp[], term = 1): Promise<void> {
  const first = storage.log.lastIndex() + 1;
  const entries = ops.map((op, offset) => ({
    index: toLogIndex(first + offset),
    term: toTerm(term),
    kind: "normal" as const,
    data: encodeCommand([op]),
  }));
  // Entries already in the log but not applied yet (the bootstrap entry) are applied first.
  const unapplied = storage.fsm.applied().index + 1;
  const earlier = unapplied < first ? storage.entries(toLogIndex(unapplied), toLogIndex(first), 1 << 20) : [];
  const batch = new WriteBatch();
  storage.log.stageAppend(batch, entries);
  storage.fsm.stageApply(batch, [...earlier, ...entries]);
  await storage.db.write(batch, { sync: true });
}

async function snapshotOf(storage: NodeStorage) {
  const view = await storage.fsm.openSnapshot();
  const sink = await storage.snapshots.create(view.meta);
  for await (const chunk of view.chunks) await sink.write(chunk);
  return sink.commit();
}

t.test("bootstrap writes the first configuration once", async (t) => {
  const dataDir = tempDir(t, "storage");
  let storage = await NodeStorage.open({ dataDir, bootstrap: configuration });
  t.equal(storage.lastIndex(), 1);
  t.same(storage.initialState().hardState, { term: 1, votedFor: "", commit: 0 });
  t.equal(storage.entries(toLogIndex(1), toLogIndex(2), 1024)[0]?.kind, "config");
  await appendAndApply(storage, [put("x", "1")]);
  await storage.close();
  storage = await NodeStorage.open({ dataDir, bootstrap: { servers: [] } });
  t.equal(storage.lastIndex(), 2, "a second open with bootstrap does not write it again");
  await storage.close();
});

t.test("a crash between resetting the log to a snapshot and restoring the FSM is repaired on open", async (t) => {
  const root = tempDir(t, "storage-recover");
  const leader = await NodeStorage.open({ dataDir: join(root, "leader"), bootstrap: configuration });
  await appendAndApply(leader, [put("a", "1"), put("b", "2"), put("c", "3")]);
  const snapshot = await snapshotOf(leader);
  t.equal(snapshot.meta.index, 4);

  const followerDir = join(root, "follower");
  let follower = await NodeStorage.open({ dataDir: followerDir });
  await appendAndApply(follower, [put("stale", "x")]);
  // The follower stores the leader's snapshot and persists the log reset; then "crashes" before restoring the FSM.
  const sink = await follower.snapshots.create(snapshot.meta);
  for await (const chunk of leader.snapshots.read(snapshot.id)) await sink.write(chunk);
  await sink.commit();
  const batch = new WriteBatch();
  follower.log.stageReset(batch, { index: snapshot.meta.index, term: snapshot.meta.term });
  await follower.db.write(batch, { sync: true });
  t.equal(follower.fsm.applied().index, 1, "the FSM is behind the log start");
  await follower.close();

  follower = await NodeStorage.open({ dataDir: followerDir });
  t.same(follower.fsm.applied(), { index: 4, term: 1 }, "open restored the FSM from the snapshot the log starts at");
  t.equal(text(await follower.fsm.get("c")), "3");
  t.equal(await follower.fsm.get("stale"), undefined);
  t.same(follower.initialState().snapshotMeta.index, 4);
  t.equal(follower.snapshot()?.meta.index, 4, "and offers it to the core");
  await follower.close();
  await leader.close();
});

t.test("retention never drops the snapshot the log starts from", async (t) => {
  const dataDir = tempDir(t, "storage-retain");
  const storage = await NodeStorage.open({ dataDir, bootstrap: configuration, snapshotRetain: 1 });
  await appendAndApply(storage, [put("a", "1"), put("b", "2")]);
  const usable = await snapshotOf(storage);
  const batch = new WriteBatch();
  storage.log.stageCompact(batch, usable.meta.index);
  await storage.db.write(batch, { sync: true });
  // A snapshot from a leader far ahead arrives but is never installed: with retain 1 it would push out ours.
  const foreign = { ...usable.meta, index: toLogIndex(99), term: toTerm(7) };
  const other = await NodeStorage.open({ dataDir: join(dataDir, "other"), bootstrap: configuration });
  await appendAndApply(
    other,
    Array.from({ length: 98 }, (_, i) => put(`k${i}`, "v")),
    7,
  );
  const otherSnapshot = await snapshotOf(other);
  t.same(otherSnapshot.meta.index, foreign.index);
  const sink = await storage.snapshots.create(otherSnapshot.meta);
  for await (const chunk of other.snapshots.read(otherSnapshot.id)) await sink.write(chunk);
  await sink.commit();
  t.same(
    storage.snapshots.list().map((snapshot) => snapshot.meta.index),
    [99, 3],
    "the newest is kept, and so is the one the log depends on",
  );
  t.equal(storage.latestUsableSnapshot()?.meta.index, 3, "an uninstalled snapshot ahead of the log is not usable");
  await other.close();
  await storage.close();
});

t.test("a log compacted with no snapshot to cover it is refused", async (t) => {
  const dataDir = tempDir(t, "storage-corrupt");
  const storage = await NodeStorage.open({ dataDir, bootstrap: configuration });
  await appendAndApply(storage, [put("a", "1"), put("b", "2")]);
  const batch = new WriteBatch();
  storage.log.stageCompact(batch, toLogIndex(2));
  await storage.db.write(batch, { sync: true });
  t.throws(() => storage.initialState(), { code: "internal", message: /no snapshot covers it/ });
  await storage.close();
});

t.test("open applies again the committed entries the FSM held only in memory when the process died", async (t) => {
  const dataDir = tempDir(t, "storage-replay");
  let storage = await NodeStorage.open({ dataDir, bootstrap: configuration });
  const entries = [put("a", "1"), put("b", "2"), put("c", "3")].map((op, offset) => ({
    index: toLogIndex(2 + offset),
    term: toTerm(1),
    kind: "normal" as const,
    data: encodeCommand([op]),
  }));
  const batch = new WriteBatch();
  storage.log.stageAppend(batch, entries);
  // Entries 1..3 committed; 4 is in the log but not (as far as this server knows) committed.
  storage.stable.stageHardState(batch, { term: toTerm(1), votedFor: "", commit: toLogIndex(3) });
  await storage.db.write(batch, { sync: true });
  storage.fsm.applyInMemory(storage.entries(toLogIndex(1), toLogIndex(4), 1 << 20));
  t.equal(text(await storage.fsm.get("b")), "2", "applied in memory");
  t.equal(storage.fsm.writtenApplied().index, 0, "and not written");
  await storage.close();

  storage = await NodeStorage.open({ dataDir });
  t.same(storage.fsm.writtenApplied(), { index: 3, term: 1 }, "written on open, up to the stored commit index");
  t.equal(text(await storage.fsm.get("a")), "1");
  t.equal(text(await storage.fsm.get("b")), "2");
  t.equal(await storage.fsm.get("c"), undefined, "an entry not known to be committed is left to Raft");
  await storage.close();
});
