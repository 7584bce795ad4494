import fc from "fast-check";
import t from "tap";
import { CofferError } from "../lib/index.js";
import {
  applyConfigChange,
  ConfigurationHistory,
  decodeConfigEntry,
  encodeConfigEntry,
  voterIds,
} from "./membership.js";
import { configurationOf, drain, entry, makeNode, tickElection } from "./testkit/fixtures.js";
import type { ConfigChange, Configuration, Entry } from "./types.js";
import { toLogIndex, toTerm } from "./types.js";

const three = configurationOf(["1", "2", "3"]);

function configEntry(index: number, term: number, configuration: Configuration): Entry {
  return {
    index: toLogIndex(index),
    term: toTerm(term),
    kind: "config",
    data: encodeConfigEntry({ change: { type: "removeServer", id: "x" }, configuration }),
  };
}

t.test("thesis §4.1: single-server changes and what is refused", async (t) => {
  const added = applyConfigChange(three, { type: "addNonVoter", id: "4", address: "a4" });
  t.same(added.ok && voterIds(added.configuration), ["1", "2", "3"], "a non-voter does not vote");
  t.same(applyConfigChange(three, { type: "addVoter", id: "1", address: "addr-1" }), { ok: false, reason: "noChange" });
  t.same(applyConfigChange(three, { type: "removeServer", id: "9" }), { ok: false, reason: "unknownServer" });
  t.same(applyConfigChange(configurationOf(["1"]), { type: "removeServer", id: "1" }), {
    ok: false,
    reason: "wouldLeaveNoVoters",
  });
  const demoted = applyConfigChange(three, { type: "addNonVoter", id: "2", address: "addr-2" });
  t.same(
    demoted.ok && demoted.configuration.servers.map((server) => `${server.id}:${server.suffrage}`),
    ["1:voter", "2:nonvoter", "3:voter"],
    "a demotion keeps the order",
  );
});

t.test("config entries round-trip; malformed ones are a typed error", async (t) => {
  const change: ConfigChange = { type: "addVoter", id: "4", address: "10.0.0.4:8201" };
  const configuration = configurationOf(["1", "4"], ["5"]);
  t.same(decodeConfigEntry(encodeConfigEntry({ change, configuration })), { change, configuration });
  t.same(decodeConfigEntry(encodeConfigEntry({ change: null, configuration })).change, null);
  for (const bad of ["", "{}", '{"change":{"type":"explode","id":"1"},"configuration":{"servers":[]}}', "\u00ff"]) {
    t.throws(() => decodeConfigEntry(new TextEncoder().encode(bad)), CofferError, JSON.stringify(bad));
  }
  t.throws(() => decodeConfigEntry(new Uint8Array([0xff, 0xfe])), CofferError, "invalid UTF-8");
});

t.test("applyConfigChange never yields a configuration without voters or with duplicate ids", async (t) => {
  const changeArbitrary: fc.Arbitrary<ConfigChange> = fc.oneof(
    fc.record({
      type: fc.constant("addVoter" as const),
      id: fc.constantFrom("1", "2", "3", "4"),
      address: fc.constantFrom("a", "b"),
    }),
    fc.record({
      type: fc.constant("addNonVoter" as const),
      id: fc.constantFrom("1", "2", "3", "4"),
      address: fc.constantFrom("a", "b"),
    }),
    fc.record({ type: fc.constant("removeServer" as const), id: fc.constantFrom("1", "2", "3", "4") }),
  );
  fc.assert(
    fc.property(fc.array(changeArbitrary, { maxLength: 30 }), (changes) => {
      let configuration = three;
      for (const change of changes) {
        const result = applyConfigChange(configuration, change);
        if (!result.ok) continue;
        configuration = result.configuration;
        const ids = configuration.servers.map((server) => server.id);
        if (new Set(ids).size !== ids.length || voterIds(configuration).length === 0) return false;
      }
      return true;
    }),
  );
  t.pass();
});

t.test("the history follows appends, truncations and compaction", async (t) => {
  const history = new ConfigurationHistory({ index: 0, configuration: three });
  const four = configurationOf(["1", "2", "3", "4"]);
  const two = configurationOf(["1", "2"]);
  history.observe([entry(1, 1), configEntry(2, 1, four), entry(3, 1)]);
  t.same(history.latest(), { index: 2, configuration: four });
  history.observe([configEntry(5, 2, two)]);
  t.same(history.at(4).configuration, four);
  history.truncateFrom(5);
  t.same(history.latest().configuration, four, "a truncated config entry no longer applies");
  history.compactTo(3);
  t.same(history.at(3).configuration, four);
  t.same(history.at(1).configuration, four, "below the base: the oldest known");
});

t.test(
  "thesis §4.1: a follower uses a configuration as soon as it is appended, and drops it when truncated",
  async (t) => {
    const fixture = makeNode({ id: "2", terms: [2] });
    const four = configurationOf(["1", "2", "3", "4"]);
    fixture.node.step({
      type: "appendEntries",
      from: "1",
      to: "2",
      term: toTerm(2),
      prevLogIndex: toLogIndex(2),
      prevLogTerm: toTerm(2),
      entries: [configEntry(3, 2, four)],
      commit: toLogIndex(2),
    });
    t.same(voterIds(fixture.node.status().configuration), ["1", "2", "3", "4"], "in effect before it commits");
    drain(fixture);
    fixture.node.step({
      type: "appendEntries",
      from: "3",
      to: "2",
      term: toTerm(3),
      prevLogIndex: toLogIndex(2),
      prevLogTerm: toTerm(2),
      entries: [entry(3, 3)],
      commit: toLogIndex(2),
    });
    t.same(voterIds(fixture.node.status().configuration), ["1", "2", "3"], "rolled back with the entry");
  },
);

function electedLeader(voters: string[], nonVoters: string[] = []) {
  const fixture = makeNode({ id: "1", voters, nonVoters });
  tickElection(fixture.node);
  drain(fixture);
  if (voters.length > 1) {
    fixture.node.step({
      type: "requestVoteResponse",
      from: voters[1]!,
      to: "1",
      term: toTerm(2),
      preVote: false,
      granted: true,
    });
  }
  return fixture;
}

/** A follower's acknowledgement; the leader persisted what it appended first, as any driver does before an answer can arrive. */
function ack(fixture: ReturnType<typeof makeNode>, from: string, index: number): void {
  drain(fixture);
  fixture.node.step({
    type: "appendEntriesResponse",
    from,
    to: "1",
    term: fixture.node.term,
    reject: false,
    index: toLogIndex(index),
    hintIndex: toLogIndex(0),
    hintTerm: toTerm(0),
  });
}

t.test("raft-dev 2015 erratum: no membership change before the leader commits an entry of its term", async (t) => {
  const leader = electedLeader(["1", "2", "3"]);
  const early = leader.node.proposeConfigChange({ type: "addNonVoter", id: "4", address: "a" });
  t.same(early.ok ? "ok" : early.reason, "configChangePending", "the no-op (index 2) is not committed");
  ack(leader, "2", 2);
  const later = leader.node.proposeConfigChange({ type: "addNonVoter", id: "4", address: "a" });
  t.ok(later.ok, "accepted once it is");
  const second = leader.node.proposeConfigChange({ type: "addVoter", id: "4", address: "a" });
  t.same(second.ok ? "ok" : second.reason, "configChangePending", "one change at a time");
});

t.test("non-voters replicate but never count toward commit; new voters count at once", async (t) => {
  const leader = electedLeader(["1", "2", "3"], ["4"]);
  ack(leader, "4", 2);
  t.equal(leader.node.status().commit, 0, "the non-voter's acknowledgement does not commit");
  ack(leader, "2", 2);
  t.equal(leader.node.status().commit, 2);
  const result = leader.node.proposeConfigChange({ type: "addVoter", id: "4", address: "addr-4" });
  t.ok(result.ok);
  ack(leader, "4", 3);
  t.equal(leader.node.status().commit, 2, "4 voters: leader and 4 are not a majority");
  ack(leader, "3", 3);
  t.equal(leader.node.status().commit, 3);
});
