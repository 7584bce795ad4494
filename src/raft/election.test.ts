import t from "tap";
import type { RequestVote } from "./messages.js";
import { drain, makeNode, outbox, sent, tickElection } from "./testkit/fixtures.js";
import { toLogIndex, toTerm } from "./types.js";

function voteRequest(
  from: string,
  to: string,
  term: number,
  lastTerm: number,
  lastIndex: number,
  extra: Partial<RequestVote> = {},
): RequestVote {
  return {
    type: "requestVote",
    from,
    to,
    term: toTerm(term),
    preVote: false,
    lastLogIndex: toLogIndex(lastIndex),
    lastLogTerm: toTerm(lastTerm),
    leadershipTransfer: false,
    ...extra,
  };
}

t.test("§5.2: a follower that hears nothing for an election timeout becomes candidate of the next term", async (t) => {
  const fixture = makeNode({ id: "1" });
  tickElection(fixture.node, 9);
  t.equal(fixture.node.role, "follower", "not before the timeout");
  fixture.node.tick();
  t.equal(fixture.node.role, "candidate");
  t.equal(fixture.node.term, 2);
  const ready = drain(fixture);
  t.same(ready.hardState, { term: 2, votedFor: "1", commit: 0 }, "votes for itself, persisted");
  t.ok(ready.mustSync, "the vote must be synced before the requests leave");
  t.same(
    outbox(ready).map((message) => message.to),
    ["2", "3"],
  );
});

t.test(
  "§5.2: election timeouts are randomized in [electionTicks, 2*electionTicks) from the injected source",
  async (t) => {
    const draws: number[] = [];
    const fixture = makeNode({
      id: "1",
      random: (bound) => {
        draws.push(bound);
        return bound - 1;
      },
    });
    t.ok(
      draws.every((bound) => bound === 10),
      "asks for a jitter below electionTicks",
    );
    tickElection(fixture.node, 18);
    t.equal(fixture.node.role, "follower", "the longest timeout is 2*electionTicks - 1 ticks");
    fixture.node.tick();
    t.equal(fixture.node.role, "candidate");
  },
);

t.test("§5.2: a candidate with votes from a majority becomes leader and appends an entry of its term", async (t) => {
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
  t.equal(fixture.node.role, "leader");
  const ready = drain(fixture);
  t.same(
    ready.entries.map((entry) => [entry.index, entry.term, entry.data.byteLength]),
    [[2, 2, 0]],
    "§5.4.2 / thesis §6.4: an empty entry of the new term",
  );
});

t.test("§5.2: a candidate rejected by a majority returns to follower", async (t) => {
  const fixture = makeNode({ id: "1" });
  tickElection(fixture.node);
  drain(fixture);
  fixture.node.step({
    type: "requestVoteResponse",
    from: "2",
    to: "1",
    term: toTerm(2),
    preVote: false,
    granted: false,
  });
  fixture.node.step({
    type: "requestVoteResponse",
    from: "3",
    to: "1",
    term: toTerm(2),
    preVote: false,
    granted: false,
  });
  t.equal(fixture.node.role, "follower");
  t.equal(fixture.node.term, 2, "stays in the term it started");
});

t.test("§5.2: one vote per term, first come first served; the same candidate may ask again", async (t) => {
  const fixture = makeNode({ id: "1" });
  fixture.node.step(voteRequest("2", "1", 2, 1, 1));
  t.same(
    sent(fixture, "requestVoteResponse").map((message) => message.granted),
    [true],
  );
  fixture.node.step(voteRequest("3", "1", 2, 1, 1));
  fixture.node.step(voteRequest("2", "1", 2, 1, 1));
  t.same(
    sent(fixture, "requestVoteResponse").map((message) => [message.to, message.granted]),
    [
      ["3", false],
      ["2", true],
    ],
  );
});

t.test("§5.4.1: a vote is refused to a candidate whose log is less up to date", async (t) => {
  // Our log: index 2 of term 2, index 3 of term 3.
  const cases: [string, number, number, boolean][] = [
    ["lower last term", 2, 5, false],
    ["same last term, shorter", 3, 2, false],
    ["same last term, same length", 3, 3, true],
    ["same last term, longer", 3, 4, true],
    ["higher last term, shorter", 4, 2, true],
  ];
  for (const [name, lastTerm, lastIndex, granted] of cases) {
    const fixture = makeNode({ id: "1", terms: [2, 3] });
    fixture.node.step(voteRequest("2", "1", 5, lastTerm, lastIndex));
    t.same(
      sent(fixture, "requestVoteResponse").map((message) => message.granted),
      [granted],
      name,
    );
  }
});

t.test("§5.1: a message of a higher term makes any role a follower of that term", async (t) => {
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
  t.equal(fixture.node.role, "leader");
  drain(fixture);
  fixture.node.step({
    type: "heartbeat",
    from: "3",
    to: "1",
    term: toTerm(7),
    commit: toLogIndex(0),
    context: new Uint8Array(),
  });
  t.equal(fixture.node.role, "follower");
  t.equal(fixture.node.term, 7);
  t.equal(fixture.node.leader, "3", "a heartbeat names the new leader");
});

t.test("§5.1: a stale leader's append is answered with the current term so it steps down", async (t) => {
  const fixture = makeNode({ id: "1", term: 5 });
  fixture.node.step({
    type: "appendEntries",
    from: "2",
    to: "1",
    term: toTerm(3),
    prevLogIndex: toLogIndex(1),
    prevLogTerm: toTerm(1),
    entries: [],
    commit: toLogIndex(0),
  });
  const answers = sent(fixture, "appendEntriesResponse");
  t.equal(answers.length, 1);
  t.equal(answers[0]?.term, 5);
  t.equal(fixture.node.term, 5, "our term is unchanged");
});

t.test("thesis §9.6: pre-vote does not change terms, and a real election follows a won pre-vote", async (t) => {
  const fixture = makeNode({ id: "1", config: { preVote: true } });
  tickElection(fixture.node);
  t.equal(fixture.node.role, "preCandidate");
  t.equal(fixture.node.term, 1, "term unchanged");
  const requests = sent(fixture, "requestVote");
  t.ok(
    requests.every((request) => request.preVote && request.term === 2),
    "asks about term 2",
  );
  fixture.node.step({ type: "requestVoteResponse", from: "2", to: "1", term: toTerm(2), preVote: true, granted: true });
  t.equal(fixture.node.role, "candidate");
  t.equal(fixture.node.term, 2);
});

t.test("thesis §9.6: a voter answers a pre-vote without recording a vote or adopting the term", async (t) => {
  const fixture = makeNode({ id: "1", config: { preVote: true } });
  fixture.node.step(voteRequest("2", "1", 2, 1, 1, { preVote: true }));
  const answers = sent(fixture, "requestVoteResponse");
  t.same(
    answers.map((message) => [message.granted, message.term]),
    [[true, 2]],
  );
  t.equal(fixture.node.term, 1);
  t.equal(fixture.node.status().votedFor, "");
});

t.test("thesis §4.2.3: while it hears a leader, a voter ignores campaigns (unless asked by a transfer)", async (t) => {
  const fixture = makeNode({ id: "1", config: { checkQuorum: true } });
  fixture.node.step({
    type: "heartbeat",
    from: "2",
    to: "1",
    term: toTerm(2),
    commit: toLogIndex(0),
    context: new Uint8Array(),
  });
  drain(fixture);
  fixture.node.step(voteRequest("3", "1", 3, 1, 1));
  t.same(sent(fixture, "requestVoteResponse"), [], "ignored: leader 2 is alive");
  t.equal(fixture.node.term, 2);
  fixture.node.step(voteRequest("3", "1", 3, 1, 1, { leadershipTransfer: true }));
  t.same(
    sent(fixture, "requestVoteResponse").map((message) => message.granted),
    [true],
    "a transfer campaign is answered",
  );
});

t.test(
  "thesis §6.2: with check-quorum a leader that hears from no quorum for an election timeout steps down",
  async (t) => {
    const fixture = makeNode({ id: "1", config: { checkQuorum: true } });
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
    t.equal(fixture.node.role, "leader");
    // Followers start as recently active, so it takes a full round without answers.
    for (let i = 0; i < 10; i++) fixture.node.tick();
    t.equal(fixture.node.role, "leader", "first round: followers counted active on election");
    drain(fixture);
    for (let i = 0; i < 9; i++) fixture.node.tick();
    fixture.node.step({ type: "heartbeatResponse", from: "2", to: "1", term: toTerm(2), context: new Uint8Array() });
    fixture.node.tick();
    t.equal(fixture.node.role, "leader", "one follower answered: with us a quorum");
    for (let i = 0; i < 10; i++) fixture.node.tick();
    t.equal(fixture.node.role, "follower", "nobody answered for a whole timeout");
  },
);

t.test("a non-voter never campaigns; a single voter elects itself at once", async (t) => {
  const nonVoter = makeNode({ id: "4", voters: ["1", "2", "3"], nonVoters: ["4"] });
  tickElection(nonVoter.node, 100);
  t.equal(nonVoter.node.role, "follower");
  const single = makeNode({ id: "1", voters: ["1"] });
  single.node.campaign();
  t.equal(single.node.role, "leader");
  const first = drain(single);
  t.same(first.committedEntries, [], "nothing commits before its own write is durable (thesis §10.2.1)");
  t.same(
    drain(single).committedEntries.map((entry) => entry.index),
    [1, 2],
    "then its own majority commits the bootstrap and no-op entries",
  );
});

t.test(
  "§5.1 Figure 2: a vote request of an older term is refused with our term, and the candidate adopts it",
  async (t) => {
    const voter = makeNode({ id: "1", term: 9 });
    voter.node.step(voteRequest("2", "1", 4, 1, 1));
    const answers = sent(voter, "requestVoteResponse");
    t.same(
      answers.map((message) => [message.granted, message.term]),
      [[false, 9]],
    );
    const candidate = makeNode({ id: "2" });
    tickElection(candidate.node);
    drain(candidate);
    candidate.node.step({ ...answers[0]!, to: "2" });
    t.equal(candidate.node.role, "follower");
    t.equal(candidate.node.term, 9, "caught up, so its next campaign can win");
  },
);
