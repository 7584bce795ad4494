import t from "tap";
import { AssertionError, CofferError } from "../lib/index.js";
import { validateRaftConfig } from "./config.js";
import { bootstrapLog } from "./membership.js";
import { RaftNode } from "./node.js";
import { MemoryStorage } from "./storage.js";
import { configurationOf, drain, makeNode, outbox, tickElection } from "./testkit/fixtures.js";
import { toLogIndex, toTerm } from "./types.js";

t.test("the core refuses to change between ready() and advance()", async (t) => {
  const fixture = makeNode({ id: "1" });
  tickElection(fixture.node);
  const ready = fixture.node.ready();
  t.ok(outbox(ready).length > 0);
  t.notOk(fixture.node.hasReady(), "nothing more until advance");
  t.throws(() => fixture.node.tick(), AssertionError);
  t.throws(() => fixture.node.propose(new Uint8Array()), AssertionError);
  t.throws(() => fixture.node.ready(), AssertionError);
  fixture.node.advance();
  t.throws(() => fixture.node.advance(), AssertionError, "advance needs a ready");
  t.doesNotThrow(() => fixture.node.tick());
});

t.test("mustSync: set for a vote, a term or entries; not for a commit alone", async (t) => {
  const fixture = makeNode({ id: "2", terms: [2] });
  fixture.node.step({
    type: "heartbeat",
    from: "1",
    to: "2",
    term: toTerm(2),
    commit: toLogIndex(2),
    context: new Uint8Array(),
  });
  const ready = drain(fixture);
  t.equal(ready.hardState?.commit, 2);
  t.notOk(ready.mustSync, "a lost commit index is recomputed from the leader");
  tickElection(fixture.node);
  t.ok(drain(fixture).mustSync, "a vote for ourselves must be durable before the requests leave");
});

t.test("a restarted node keeps its term and vote, and resumes applying after the FSM's applied index", async (t) => {
  const fixture = makeNode({ id: "1", voters: ["1"] });
  fixture.node.campaign();
  fixture.node.propose(new TextEncoder().encode("a"));
  fixture.node.propose(new TextEncoder().encode("b"));
  t.same(drain(fixture).committedEntries, [], "a lone voter commits only once its own write is durable");
  t.same(
    drain(fixture).committedEntries.map((entry) => entry.index),
    [1, 2, 3, 4],
  );
  // The FSM had applied through 3 when the process stopped (its commit index was not synced since).
  const restarted = new RaftNode({ id: "1", storage: fixture.storage, randomInt: () => 0, applied: toLogIndex(3) });
  const status = restarted.status();
  t.equal(status.term, 2);
  t.equal(status.votedFor, "1");
  t.equal(status.role, "follower", "every server restarts as a follower");
  t.equal(status.commit, 4);
  t.same(
    drain({ node: restarted, storage: fixture.storage }).committedEntries.map((entry) => entry.index),
    [4],
    "only what the FSM had not applied",
  );
});

t.test("a node joining with an empty log has no configuration and waits for a leader", async (t) => {
  const node = new RaftNode({ id: "4", storage: new MemoryStorage(), randomInt: () => 0 });
  for (let i = 0; i < 100; i++) node.tick();
  t.equal(node.role, "follower");
  t.same(node.status().configuration, { servers: [] });
  t.notOk(node.hasReady());
});

t.test("the configuration is read back from the stored log on start", async (t) => {
  const storage = new MemoryStorage();
  const bootstrap = bootstrapLog(configurationOf(["a", "b"], ["c"]));
  storage.append(bootstrap.entries);
  storage.setHardState(bootstrap.hardState);
  const node = new RaftNode({ id: "a", storage, randomInt: () => 0 });
  t.same(node.status().configuration, configurationOf(["a", "b"], ["c"]));
});

t.test("proposals are refused off the leader, during a transfer, and past the uncommitted byte bound", async (t) => {
  const follower = makeNode({ id: "2" });
  t.same(follower.node.propose(new Uint8Array(1)), { ok: false, reason: "notLeader", leader: "" });
  const leader = makeNode({ id: "1", config: { uncommittedBytesMax: 4096, messageBytesMax: 1024 } });
  tickElection(leader.node);
  drain(leader);
  leader.node.step({ type: "requestVoteResponse", from: "2", to: "1", term: toTerm(2), preVote: false, granted: true });
  t.ok(leader.node.propose(new Uint8Array(4000)).ok, "one proposal is always accepted");
  const refused = leader.node.propose(new Uint8Array(200));
  t.same(refused.ok ? "ok" : refused.reason, "uncommittedBytesExceeded");
  t.ok(leader.node.transferLeadership("3").ok);
  const during = leader.node.propose(new Uint8Array(1));
  t.same(during.ok ? "ok" : during.reason, "transferInProgress");
  t.same(leader.node.transferLeadership("9"), { ok: false, reason: "notVoter", leader: "1" });
});

t.test("thesis §3.10: a transfer not completed within an election timeout is abandoned", async (t) => {
  const leader = makeNode({ id: "1" });
  tickElection(leader.node);
  drain(leader);
  leader.node.step({ type: "requestVoteResponse", from: "2", to: "1", term: toTerm(2), preVote: false, granted: true });
  leader.node.transferLeadership("3");
  t.equal(leader.node.status().leadTransferee, "3");
  tickElection(leader.node);
  t.equal(leader.node.status().leadTransferee, "", "given up");
  t.ok(leader.node.propose(new Uint8Array(1)).ok, "proposals accepted again");
});

t.test("messages addressed to another server are ignored", async (t) => {
  const fixture = makeNode({ id: "1" });
  fixture.node.step({ type: "timeoutNow", from: "2", to: "3", term: toTerm(9) });
  t.equal(fixture.node.term, 1);
});

t.test("config: defaults, floors, ceilings and relations", async (t) => {
  t.equal(validateRaftConfig().electionTicks, 10);
  t.throws(() => validateRaftConfig({ electionTicks: 1 }), CofferError);
  t.throws(() => validateRaftConfig({ electionTicks: 10, heartbeatTicks: 6 }), /at least twice heartbeatTicks/);
  t.throws(() => validateRaftConfig({ messageBytesMax: 1.5 }), CofferError, "integers only");
  t.throws(() => validateRaftConfig({ inflightMessagesMax: 0 }), CofferError);
  t.throws(
    () => validateRaftConfig({ messageBytesMax: 2 * 1024 * 1024, inflightBytesMax: 1024 * 1024 }),
    /inflightBytesMax/,
  );
  t.throws(
    () => new RaftNode({ id: "1", storage: new MemoryStorage(), randomInt: () => 0, config: { heartbeatTicks: 0 } }),
    CofferError,
  );
});
