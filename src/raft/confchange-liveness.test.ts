/**
 * Liveness across single-server membership changes down to one voter (thesis
 * §4.2.2, Figure 4.6). A configuration takes effect when it is in a log, so
 * the server a change removes or demotes may hold the change while the
 * remaining voters do not: then only it can be elected, and it must campaign.
 */
import t from "tap";
import { bootstrapLog, encodeConfigEntry } from "./membership.js";
import type { RequestVote } from "./messages.js";
import { RaftNode } from "./node.js";
import { MemoryStorage } from "./storage.js";
import type { Fixture } from "./testkit/fixtures.js";
import { configurationOf, drain, entry, makeNode, sent, tickElection } from "./testkit/fixtures.js";
import type { ConfigChange, Entry, NodeId } from "./types.js";
import { toLogIndex, toTerm } from "./types.js";

function configEntry(index: number, term: number, change: ConfigChange, voters: NodeId[], nonVoters: NodeId[] = []) {
  const data = encodeConfigEntry({ change, configuration: configurationOf(voters, nonVoters) });
  return { index: toLogIndex(index), term: toTerm(term), kind: "config", data } satisfies Entry;
}

/**
 * Server `id` of the cluster (1 2), whose log holds the bootstrap entry, a
 * no-op of term 2 and `change` at index 3, committed up to `commit`.
 */
function holdingChange(id: NodeId, change: Entry, commit: number, config = {}): Fixture {
  const storage = new MemoryStorage();
  storage.append(bootstrapLog(configurationOf(["1", "2"])).entries);
  storage.append([entry(2, 2), change]);
  storage.setHardState({ term: toTerm(2), votedFor: "", commit: toLogIndex(commit) });
  const node = new RaftNode({
    id,
    storage,
    config: { preVote: false, checkQuorum: false, ...config },
    randomInt: () => 0,
  });
  return { node, storage };
}

const removesOne = configEntry(3, 2, { type: "removeServer", id: "1" }, ["2"]);
const demotesOne = configEntry(3, 2, { type: "addNonVoter", id: "1", address: "addr-1" }, ["2"], ["1"]);

function grant(fixture: Fixture, request: RequestVote): void {
  fixture.node.step({
    type: "requestVoteResponse",
    from: request.to,
    to: request.from,
    term: request.term,
    preVote: request.preVote,
    granted: true,
  });
}

for (const [name, change] of [
  ["removed", removesOne],
  ["demoted", demotesOne],
] as const) {
  t.test(
    `thesis §4.2.2, Figure 4.6: a voter ${name} by a change not yet committed keeps campaigning, its own vote counting nowhere`,
    async (t) => {
      const fixture = holdingChange("1", change, 2);
      tickElection(fixture.node);
      t.equal(fixture.node.role, "candidate", "campaigns although its newest configuration leaves it out as a voter");
      const requests = sent(fixture, "requestVote");
      t.same(
        requests.map((request) => [request.to, request.lastLogIndex]),
        [["2", 3]],
        "asks the voters of the newest configuration, showing the log that holds the change",
      );
      t.equal(fixture.node.role, "candidate", "its own vote is no majority of (2)");
      grant(fixture, requests[0]!);
      t.equal(fixture.node.role, "leader", "2's vote is");
    },
  );

  t.test(`thesis §4.2.2: once the change that ${name} it is committed, it no longer campaigns`, async (t) => {
    const fixture = holdingChange("1", change, 3);
    tickElection(fixture.node, 40);
    t.equal(fixture.node.role, "follower");
    t.same(sent(fixture), [], "asks nobody");
    fixture.node.campaign();
    t.equal(fixture.node.role, "follower", "not even when told to");
  });
}

t.test("thesis §4.2.2: learning the commit of its removal stops the campaigns of a removed server", async (t) => {
  const fixture = holdingChange("1", removesOne, 2);
  fixture.node.step({
    type: "heartbeat",
    from: "2",
    to: "1",
    term: toTerm(3),
    commit: toLogIndex(3),
    context: new Uint8Array(),
  });
  drain(fixture);
  tickElection(fixture.node, 40);
  t.equal(fixture.node.role, "follower");
  t.same(sent(fixture, "requestVote"), []);
});

t.test("a server being added, never a voter before, does not campaign while the change is uncommitted", async (t) => {
  const addsThree = configEntry(3, 2, { type: "addNonVoter", id: "3", address: "addr-3" }, ["1", "2"], ["3"]);
  const fixture = holdingChange("3", addsThree, 2);
  tickElection(fixture.node, 40);
  t.equal(fixture.node.role, "follower");
  t.same(sent(fixture), []);
});

t.test("thesis §4.1: a voter grants its vote to a candidate outside its configuration", async (t) => {
  const fixture = makeNode({ id: "2", voters: ["1", "2"] });
  fixture.node.step({
    type: "requestVote",
    from: "9",
    to: "2",
    term: toTerm(2),
    preVote: false,
    lastLogIndex: toLogIndex(1),
    lastLogTerm: toTerm(1),
    leadershipTransfer: false,
  });
  t.same(
    sent(fixture, "requestVoteResponse").map((response) => [response.to, response.granted]),
    [["9", true]],
  );
});

t.test(
  "thesis §4.2.2: a leader that removed itself leads without counting itself until the change commits, then hands over",
  async (t) => {
    const fixture = holdingChange("1", removesOne, 2, { preVote: false });
    tickElection(fixture.node);
    grant(fixture, sent(fixture, "requestVote")[0]!);
    t.equal(fixture.node.role, "leader");
    const appends = sent(fixture, "appendEntries");
    t.same(
      appends.map((append) => [append.to, append.entries.map((item) => item.index)]),
      [["2", [4]]],
      "its no-op of term 3 goes to 2",
    );
    t.equal(fixture.node.status().commit, 2, "its own persisted copy commits nothing");
    fixture.node.step({
      type: "appendEntriesResponse",
      from: "2",
      to: "1",
      term: toTerm(3),
      reject: false,
      index: toLogIndex(4),
      hintIndex: toLogIndex(0),
      hintTerm: toTerm(0),
    });
    t.equal(fixture.node.status().commit, 4, "2 alone is a majority of (2)");
    t.equal(fixture.node.role, "follower", "steps down once its removal is committed");
    t.same(
      sent(fixture, "timeoutNow").map((message) => message.to),
      ["2"],
      "and hands over to the remaining voter",
    );
  },
);
