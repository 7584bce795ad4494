import t from "tap";
import type { UnsafeTestFaults } from "./api.js";
import type { AppendEntries, Message } from "./messages.js";
import type { Fixture, FixtureOptions } from "./testkit/fixtures.js";
import { drain, entry, makeNode, outbox, sent, tickElection } from "./testkit/fixtures.js";
import { toLogIndex, toTerm } from "./types.js";

const encoder = new TextEncoder();

/** A node made leader by an election it wins with node 2's vote. */
function makeLeader(options: FixtureOptions): Fixture {
  const fixture = makeNode(options);
  tickElection(fixture.node);
  drain(fixture);
  const term = fixture.node.term;
  fixture.node.step({
    type: "requestVoteResponse",
    from: "2",
    to: fixture.node.id,
    term,
    preVote: false,
    granted: true,
  });
  if (fixture.node.role !== "leader") throw new Error("fixture did not become leader");
  return fixture;
}

/** Delivers messages between fixtures until none are left; returns every message sent. */
function exchange(fixtures: readonly Fixture[], initial: Message[] = []): Message[] {
  const byId = new Map(fixtures.map((fixture) => [fixture.node.id, fixture]));
  const log: Message[] = [];
  let queue = [...initial, ...fixtures.flatMap((fixture) => outbox(drain(fixture)))];
  for (let round = 0; queue.length > 0 && round < 100; round++) {
    log.push(...queue);
    for (const message of queue) byId.get(message.to)?.node.step(message);
    queue = fixtures.flatMap((fixture) => outbox(drain(fixture)));
  }
  return log;
}

function termsOf(fixture: Fixture): number[] {
  const { storage } = fixture;
  const terms: number[] = [];
  for (let index = storage.firstIndex(); index <= storage.lastIndex(); index++)
    terms.push(storage.term(toLogIndex(index))!);
  return terms;
}

t.test("§5.3: a follower refuses an append whose previous entry it lacks, hinting where to resume", async (t) => {
  const follower = makeNode({ id: "2", terms: [2, 2] });
  const append: AppendEntries = {
    type: "appendEntries",
    from: "1",
    to: "2",
    term: toTerm(3),
    prevLogIndex: toLogIndex(5),
    prevLogTerm: toTerm(3),
    entries: [entry(6, 3)],
    commit: toLogIndex(0),
  };
  follower.node.step(append);
  const [answer] = sent(follower, "appendEntriesResponse");
  t.ok(answer?.reject);
  t.equal(answer?.index, 5, "names the rejected previous index");
  t.same([answer?.hintIndex, answer?.hintTerm], [3, 2], "its last entry with a term <= 3 is 2/3");
});

t.test("§5.3: a conflicting suffix is replaced, and the Ready says where to truncate", async (t) => {
  const follower = makeNode({ id: "2", terms: [2, 2, 2] });
  follower.node.step({
    type: "appendEntries",
    from: "1",
    to: "2",
    term: toTerm(3),
    prevLogIndex: toLogIndex(2),
    prevLogTerm: toTerm(2),
    entries: [entry(3, 2), entry(4, 3, "new")],
    commit: toLogIndex(3),
  });
  const ready = drain(follower);
  t.same(
    ready.entries.map((item) => [item.index, item.term]),
    [[4, 3]],
    "only from the first conflict (index 4) on",
  );
  t.same(termsOf(follower), [1, 2, 2, 3]);
  t.equal(ready.hardState?.commit, 3, "commits min(leader commit, last new index)");
  t.same(
    outbox(ready).map((message) => message.type === "appendEntriesResponse" && [message.reject, message.index]),
    [[false, 4]],
  );
});

t.test("§5.3 Figure 7: every follower log converges to the leader's in a few round trips", async (t) => {
  const leaderTerms = [1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followers: Record<string, number[]> = {
    a: [1, 1, 4, 4, 5, 5, 6, 6],
    b: [1, 1, 4],
    c: [1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    d: [1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    e: [1, 1, 4, 4, 4, 4],
    f: [1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
  };
  for (const [name, terms] of Object.entries(followers)) {
    const leader = makeLeader({ id: "1", voters: ["1", "2"], terms: leaderTerms, term: 7 });
    const follower = makeNode({ id: "2", voters: ["1", "2"], terms, term: 7, votedFor: "1" });
    const messages = exchange([leader, follower]);
    const rejections = messages.filter((message) => message.type === "appendEntriesResponse" && message.reject).length;
    t.same(termsOf(follower), termsOf(leader), `follower (${name}) holds the leader's log`);
    t.ok(rejections <= 3, `follower (${name}) needed ${rejections} rejections (one per conflicting term at most)`);
  }
});

t.test("§5.4.2 Figure 8: a leader does not commit an earlier term's entry by counting replicas", async (t) => {
  // Our log ends with an entry of term 2; we lead term 4 after a term-3 leader failed.
  const leader = makeLeader({ id: "1", terms: [2], term: 3 });
  t.equal(leader.node.term, 4);
  drain(leader);
  leader.node.step({
    type: "appendEntriesResponse",
    from: "2",
    to: "1",
    term: toTerm(4),
    reject: false,
    index: toLogIndex(2),
    hintIndex: toLogIndex(0),
    hintTerm: toTerm(0),
  });
  t.equal(leader.node.status().commit, 0, "2/2 is on a majority but is not of term 4");
  leader.node.step({
    type: "appendEntriesResponse",
    from: "2",
    to: "1",
    term: toTerm(4),
    reject: false,
    index: toLogIndex(3),
    hintIndex: toLogIndex(0),
    hintTerm: toTerm(0),
  });
  t.equal(leader.node.status().commit, 3, "committing 4/3 commits everything before it");
});

t.test("the deliberate fault commitOlderTermsByCounting breaks exactly that rule (for the simulator)", async (t) => {
  const leader = makeLeader({ id: "1", terms: [2], term: 3, faults: { commitOlderTermsByCounting: true } });
  drain(leader);
  const ack = { type: "appendEntriesResponse", from: "2", to: "1", term: toTerm(4), reject: false } as const;
  leader.node.step({ ...ack, index: toLogIndex(2), hintIndex: toLogIndex(0), hintTerm: toTerm(0) });
  t.equal(leader.node.status().commit, 2, "2/2 is committed by counting replicas, before 4/3");
});

/** A 3-voter leader whose follower 2 is in the replicate state and follower 3 never answers. */
function replicatingLeader(config: FixtureOptions["config"] = {}, faults: UnsafeTestFaults = {}): Fixture {
  const leader = makeLeader({ id: "1", config, faults });
  const follower = makeNode({ id: "2", term: 2, votedFor: "1" });
  exchange([leader, follower]);
  const progress = leader.node.status().followers.find((item) => item.id === "2");
  if (progress?.state !== "replicate") throw new Error("follower 2 is not replicating");
  return leader;
}

function appendsTo(messages: readonly Message[], to: string): AppendEntries[] {
  return messages.filter((message): message is AppendEntries => message.type === "appendEntries" && message.to === to);
}

t.test("proposals made before one Ready travel in one append per follower (batching)", async (t) => {
  const leader = replicatingLeader();
  for (let i = 0; i < 10; i++) leader.node.propose(encoder.encode(`p${i}`));
  const appends = appendsTo(outbox(drain(leader)), "2");
  t.equal(appends.length, 1);
  t.equal(appends[0]?.entries.length, 10);
});

t.test("thesis §10.2.1: appends may leave before the leader's own write; everything else waits for it", async (t) => {
  const leader = replicatingLeader();
  leader.node.propose(encoder.encode("x"));
  leader.node.tick();
  const ready = drain(leader);
  t.same(
    ready.entries.map((item) => item.index),
    [3],
    "the new entry is to be persisted",
  );
  t.ok(ready.mustSync);
  t.same(
    ready.messagesBeforePersist.map((message) => `${message.type}->${message.to}`),
    ["appendEntries->2"],
    "the append carrying it may leave before it is written (3 never answered: it is probed, paused)",
  );
  t.notOk(
    ready.messages.some((message) => message.type === "appendEntries"),
    "no append waits for the write",
  );
  const follower = makeNode({ id: "2", term: 2, votedFor: "1", terms: [2] });
  follower.node.step(ready.messagesBeforePersist[0]!);
  const answer = drain(follower);
  t.same(answer.messagesBeforePersist, [], "a follower's acknowledgement never leaves before its write");
  t.same(
    answer.messages.map((message) => message.type),
    ["appendEntriesResponse"],
  );
});

t.test("thesis §10.2.1: a leader counts its own entries toward commit only once they are persisted", async (t) => {
  for (const countUnpersistedSelfMatch of [false, true]) {
    const leader = replicatingLeader({}, { countUnpersistedSelfMatch });
    const committed = leader.node.status().commit;
    t.ok(leader.node.propose(encoder.encode("x")).ok);
    // An acknowledgement stepped before the leader's own write finished (as an asynchronous driver could).
    leader.node.step({
      type: "appendEntriesResponse",
      from: "2",
      to: "1",
      term: leader.node.term,
      reject: false,
      index: toLogIndex(committed + 1),
      hintIndex: toLogIndex(0),
      hintTerm: toTerm(0),
    });
    if (countUnpersistedSelfMatch) {
      t.equal(leader.node.status().commit, committed + 1, "the deliberate fault counts the unsynced copy");
      continue;
    }
    t.equal(leader.node.status().commit, committed, "one follower's copy alone is not a majority of three");
    drain(leader);
    t.equal(leader.node.status().commit, committed + 1, "once the leader's copy is durable it is");
  }
});

t.test("a lone voter: appends wait for the Ready that reaches its term; commits wait for its own write", async (t) => {
  for (const countUnpersistedSelfMatch of [false, true]) {
    const fixture = makeNode({ id: "1", voters: ["1"], nonVoters: ["4"], faults: { countUnpersistedSelfMatch } });
    fixture.node.campaign();
    const election = drain(fixture);
    t.same(election.messagesBeforePersist, [], "the new term is not durable yet: nothing leaves early");
    t.same(
      election.messages.filter((message) => message.type === "appendEntries").map((message) => message.to),
      ["4"],
    );
    if (!countUnpersistedSelfMatch) {
      t.same(election.committedEntries, [], "nothing commits before its own write");
      t.same(
        drain(fixture).committedEntries.map((item) => item.index),
        [1, 2],
        "after the write it is its own majority",
      );
    }
    drain(fixture);
    fixture.node.step({
      type: "appendEntriesResponse",
      from: "4",
      to: "1",
      term: fixture.node.term,
      reject: false,
      index: toLogIndex(2),
      hintIndex: toLogIndex(0),
      hintTerm: toTerm(0),
    });
    fixture.node.propose(encoder.encode("y"));
    const early = drain(fixture).messagesBeforePersist.filter(
      (message) => message.type === "appendEntries" && message.entries.length > 0,
    );
    t.same(
      early.map((message) => message.type === "appendEntries" && [message.commit, message.entries.length]),
      [[countUnpersistedSelfMatch ? 3 : 2, 1]],
      countUnpersistedSelfMatch
        ? "the deliberate fault ships a commit index only an unsynced copy supports"
        : "the early append's commit index rests on durable copies only",
    );
  }
});

t.test("flow control: at most inflightMessagesMax unacknowledged appends to a replicating follower", async (t) => {
  const leader = replicatingLeader({ inflightMessagesMax: 2 });
  let appends = 0;
  for (let i = 0; i < 6; i++) {
    leader.node.propose(encoder.encode(`p${i}`));
    appends += appendsTo(outbox(drain(leader)), "2").length;
  }
  t.equal(appends, 2, "the window closes after two");
  leader.node.step({
    type: "appendEntriesResponse",
    from: "2",
    to: "1",
    term: toTerm(2),
    reject: false,
    index: toLogIndex(4),
    hintIndex: toLogIndex(0),
    hintTerm: toTerm(0),
  });
  const resumed = appendsTo(outbox(drain(leader)), "2");
  t.ok(resumed.length >= 1, "an acknowledgement reopens it");
  t.equal(resumed[0]?.prevLogIndex, 4, "continuing after what was acknowledged");
});

t.test("messageBytesMax bounds the entries of one append (one entry always goes)", async (t) => {
  const leader = replicatingLeader({ messageBytesMax: 1024 });
  for (let i = 0; i < 3; i++) leader.node.propose(new Uint8Array(600));
  const appends = appendsTo(outbox(drain(leader)), "2");
  t.same(
    appends.map((append) => append.entries.length),
    [1, 1, 1],
  );
  const big = replicatingLeader({ messageBytesMax: 1024 });
  big.node.propose(new Uint8Array(4096));
  t.same(
    appendsTo(outbox(drain(big)), "2").map((append) => append.entries.length),
    [1],
    "an entry larger than the bound still goes, alone",
  );
});

t.test("probe state: one append at a time until the follower answers or a heartbeat is answered", async (t) => {
  const leader = makeLeader({ id: "1" });
  t.equal(appendsTo(outbox(drain(leader)), "3").length, 1, "the first probe");
  leader.node.propose(encoder.encode("x"));
  t.equal(appendsTo(outbox(drain(leader)), "3").length, 0, "paused while the probe is outstanding");
  leader.node.tick();
  leader.node.step({ type: "heartbeatResponse", from: "3", to: "1", term: toTerm(2), context: new Uint8Array() });
  t.equal(appendsTo(outbox(drain(leader)), "3").length, 1, "a heartbeat answer resumes probing");
});

t.test("heartbeats never tell a follower to commit past its match", async (t) => {
  const leader = replicatingLeader();
  leader.node.tick();
  const heartbeats = outbox(drain(leader)).filter((message) => message.type === "heartbeat");
  const to2 = heartbeats.find((message) => message.to === "2");
  const to3 = heartbeats.find((message) => message.to === "3");
  t.equal(to2?.type === "heartbeat" && to2.commit, 2, "follower 2 matched the leader: full commit");
  t.equal(to3?.type === "heartbeat" && to3.commit, 0, "follower 3 matched nothing");
});

t.test("§7: a follower whose next entry is compacted gets a snapshot, then entries", async (t) => {
  const leader = replicatingLeader();
  for (let i = 0; i < 5; i++) leader.node.propose(encoder.encode(`p${i}`));
  // Commit through follower 2's acknowledgement, then compact the leader's log.
  drain(leader);
  leader.node.step({
    type: "appendEntriesResponse",
    from: "2",
    to: "1",
    term: toTerm(2),
    reject: false,
    index: toLogIndex(7),
    hintIndex: toLogIndex(0),
    hintTerm: toTerm(0),
  });
  drain(leader);
  const status = leader.node.status();
  t.equal(status.applied, 7);
  leader.storage.createSnapshot({
    meta: {
      index: toLogIndex(7),
      term: leader.storage.term(toLogIndex(7))!,
      configuration: status.appliedConfiguration,
    },
    data: encoder.encode("state@7"),
  });
  leader.storage.compact(toLogIndex(7));
  // Follower 3 holds only the bootstrap entry: the leader probes (its first probe went unanswered,
  // so it waits for a heartbeat answer), learns what it lacks, and must send a snapshot.
  const follower3 = makeNode({ id: "3", term: 2 });
  leader.node.tick();
  const messages = exchange([leader, follower3]);
  const snapshots = messages.filter((message) => message.type === "installSnapshot");
  t.equal(snapshots.length, 1, "one snapshot sent");
  t.equal(follower3.storage.snapshot()?.meta.index, 7, "the follower restored it");
  const progress = leader.node.status().followers.find((item) => item.id === "3");
  t.equal(progress?.state, "replicate", "the follower's answer ends the snapshot state");
  t.equal(progress?.match, 7);
  leader.node.reportSnapshot("3", "finished");
  leader.node.propose(encoder.encode("after"));
  exchange([leader, follower3]);
  t.equal(follower3.storage.lastIndex(), 8, "entries follow the snapshot");
  t.equal(leader.node.status().followers.find((item) => item.id === "3")?.state, "replicate");
});

t.test("§7: a snapshot the follower's log already covers only advances its commit", async (t) => {
  const follower = makeNode({ id: "2", terms: [2, 2, 2] });
  follower.node.step({
    type: "installSnapshot",
    from: "1",
    to: "2",
    term: toTerm(2),
    snapshot: {
      meta: { index: toLogIndex(3), term: toTerm(2), configuration: follower.node.status().configuration },
      data: new Uint8Array(),
    },
  });
  const ready = drain(follower);
  t.equal(ready.snapshot, null, "log kept");
  t.equal(ready.hardState?.commit, 3);
  t.equal(follower.storage.lastIndex(), 4, "entries after the snapshot point survive");
});
