import t from "tap";
import { ReadIndexQueue } from "./readonly.js";
import { drain, makeNode, outbox, tickElection } from "./testkit/fixtures.js";
import { toLogIndex, toTerm } from "./types.js";

const bytes = (text: string) => new TextEncoder().encode(text);

t.test("the queue releases a request and every older one together", async (t) => {
  const queue = new ReadIndexQueue();
  t.ok(queue.add(5, bytes("a"), "1"));
  t.ok(queue.add(6, bytes("b"), "2"));
  t.notOk(queue.add(7, bytes("a"), "1"), "a duplicate context is answered once");
  t.same([...(queue.acknowledge("3", bytes("b")) ?? [])], ["3"]);
  t.equal(queue.acknowledge("3", bytes("zzz")), undefined, "unknown context");
  t.same(queue.newestContext(), bytes("b"));
  const released = queue.releaseThrough(bytes("b"));
  t.same(
    released.map((read) => [read.index, read.from]),
    [
      [5, "1"],
      [6, "2"],
    ],
  );
  t.equal(queue.size, 0);
});

function leaderWithCommittedNoop() {
  const fixture = makeNode({ id: "1" });
  tickElection(fixture.node);
  drain(fixture);
  fixture.node.step({
    type: "requestVoteResponse",
    from: "2",
    to: "1",
    term: toTerm(2),
    preVote: false,
    granted: true,
  });
  drain(fixture);
  fixture.node.step({
    type: "appendEntriesResponse",
    from: "2",
    to: "1",
    term: toTerm(2),
    reject: false,
    index: toLogIndex(2),
    hintIndex: toLogIndex(0),
    hintTerm: toTerm(0),
  });
  drain(fixture);
  return fixture;
}

t.test("thesis §6.4: a read is served at the commit index once a quorum confirms leadership", async (t) => {
  const fixture = leaderWithCommittedNoop();
  t.ok(fixture.node.readIndex(bytes("r1")).ok);
  const ready = drain(fixture);
  const heartbeats = outbox(ready).filter((message) => message.type === "heartbeat");
  t.equal(heartbeats.length, 2, "a heartbeat round carries the read's context");
  t.same(ready.readStates, [], "not before anyone answered");
  fixture.node.step({ type: "heartbeatResponse", from: "3", to: "1", term: toTerm(2), context: bytes("r1") });
  t.same(
    drain(fixture).readStates.map((read) => [read.index, new TextDecoder().decode(read.context)]),
    [[2, "r1"]],
    "with our own, two of three confirmed: serve at commit index 2",
  );
});

t.test("thesis §6.4: a follower's read is answered by the leader with its read index", async (t) => {
  const fixture = leaderWithCommittedNoop();
  fixture.node.step({ type: "readIndex", from: "2", to: "1", term: toTerm(2), context: bytes("f1") });
  drain(fixture);
  fixture.node.step({ type: "heartbeatResponse", from: "3", to: "1", term: toTerm(2), context: bytes("f1") });
  const answers = outbox(drain(fixture)).filter((message) => message.type === "readIndexResponse");
  t.same(
    answers.map((message) => message.type === "readIndexResponse" && [message.to, message.index]),
    [["2", 2]],
  );
  const follower = makeNode({ id: "2" });
  t.same(
    follower.node.readIndex(bytes("x")),
    { ok: false, reason: "noLeader", leader: "" },
    "no leader known: refused",
  );
  follower.node.step({
    type: "heartbeat",
    from: "1",
    to: "2",
    term: toTerm(2),
    commit: toLogIndex(0),
    context: new Uint8Array(),
  });
  t.ok(follower.node.readIndex(bytes("x")).ok);
  t.same(
    drain(follower)
      .messages.filter((message) => message.type === "readIndex")
      .map((message) => message.to),
    ["1"],
    "forwarded to the leader",
  );
});

t.test("thesis §6.4: reads wait until the leader has committed an entry of its term", async (t) => {
  const fixture = makeNode({ id: "1" });
  tickElection(fixture.node);
  drain(fixture);
  fixture.node.step({
    type: "requestVoteResponse",
    from: "2",
    to: "1",
    term: toTerm(2),
    preVote: false,
    granted: true,
  });
  drain(fixture);
  t.ok(fixture.node.readIndex(bytes("early")).ok);
  t.equal(outbox(drain(fixture)).filter((message) => message.type === "heartbeat").length, 0, "deferred");
  fixture.node.step({
    type: "appendEntriesResponse",
    from: "2",
    to: "1",
    term: toTerm(2),
    reject: false,
    index: toLogIndex(2),
    hintIndex: toLogIndex(0),
    hintTerm: toTerm(0),
  });
  const heartbeats = outbox(drain(fixture)).filter(
    (message) => message.type === "heartbeat" && message.context.byteLength > 0,
  );
  t.equal(heartbeats.length, 2, "released once the no-op commits");
});

t.test("reads are bounded and need a context", async (t) => {
  const fixture = makeNode({ id: "1", voters: ["1", "2", "3"], config: { readIndexQueueMax: 2 } });
  tickElection(fixture.node);
  drain(fixture);
  fixture.node.step({
    type: "requestVoteResponse",
    from: "2",
    to: "1",
    term: toTerm(2),
    preVote: false,
    granted: true,
  });
  t.same(fixture.node.readIndex(new Uint8Array()), { ok: false, reason: "invalidContext", leader: "1" });
  t.ok(fixture.node.readIndex(bytes("a")).ok);
  t.ok(fixture.node.readIndex(bytes("b")).ok);
  t.same(fixture.node.readIndex(bytes("c")), { ok: false, reason: "readQueueFull", leader: "1" });
});

t.test("a single voter serves reads at once", async (t) => {
  const fixture = makeNode({ id: "1", voters: ["1"] });
  fixture.node.campaign();
  drain(fixture);
  t.ok(fixture.node.readIndex(bytes("solo")).ok);
  t.same(
    drain(fixture).readStates.map((read) => read.index),
    [2],
  );
});
