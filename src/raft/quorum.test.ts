import fc from "fast-check";
import t from "tap";
import { committedIndex, hasQuorum, quorumSize, voteOutcome } from "./quorum.js";

const voterIds = (count: number) => Array.from({ length: count }, (_, i) => `v${i}`);
const matchesArbitrary = fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 9 });

t.test("quorumSize is a strict majority (Raft §5.2)", async (t) => {
  t.same([1, 2, 3, 4, 5, 6, 7].map(quorumSize), [1, 2, 2, 3, 3, 4, 4]);
  t.equal(quorumSize(0), 1, "no voters: no set of them is a quorum");
});

t.test("committedIndex is the largest index a majority has matched (Raft §5.3)", async (t) => {
  fc.assert(
    fc.property(matchesArbitrary, (matches) => {
      const voters = voterIds(matches.length);
      const commit = committedIndex(voters, (id) => matches[Number(id.slice(1))]!);
      const atLeast = (index: number) => matches.filter((match) => match >= index).length;
      return atLeast(commit) >= quorumSize(matches.length) && atLeast(commit + 1) < quorumSize(matches.length);
    }),
  );
  t.equal(
    committedIndex([], () => 7),
    0,
    "no voters commit nothing",
  );
});

t.test("committedIndex never decreases when a voter's match grows", async (t) => {
  fc.assert(
    fc.property(matchesArbitrary, fc.nat(), fc.nat({ max: 20 }), (matches, which, growth) => {
      const voters = voterIds(matches.length);
      const before = committedIndex(voters, (id) => matches[Number(id.slice(1))]!);
      const grown = [...matches];
      const position = which % matches.length;
      grown[position] = grown[position]! + growth;
      return committedIndex(voters, (id) => grown[Number(id.slice(1))]!) >= before;
    }),
  );
  t.pass();
});

const voteArbitrary = fc.array(fc.constantFrom(true, false, undefined), { minLength: 1, maxLength: 9 });

t.test("voteOutcome: won with a majority of grants, lost once a majority is impossible (Raft §5.2)", async (t) => {
  fc.assert(
    fc.property(voteArbitrary, (votes) => {
      const voters = voterIds(votes.length);
      const outcome = voteOutcome(voters, (id) => votes[Number(id.slice(1))]);
      const granted = votes.filter((vote) => vote === true).length;
      const missing = votes.filter((vote) => vote === undefined).length;
      const needed = quorumSize(votes.length);
      if (granted >= needed) return outcome === "won";
      if (granted + missing >= needed) return outcome === "pending";
      return outcome === "lost";
    }),
  );
  t.equal(
    voteOutcome([], () => true),
    "lost",
    "an empty configuration elects nobody",
  );
});

t.test("a pending vote can still end either way; a decided one cannot change", async (t) => {
  fc.assert(
    fc.property(voteArbitrary, (votes) => {
      const voters = voterIds(votes.length);
      const outcome = voteOutcome(voters, (id) => votes[Number(id.slice(1))]);
      const allGranted = voteOutcome(voters, (id) => votes[Number(id.slice(1))] ?? true);
      const allRejected = voteOutcome(voters, (id) => votes[Number(id.slice(1))] ?? false);
      if (outcome === "pending") return allGranted === "won" && allRejected === "lost";
      return allGranted === outcome && allRejected === outcome;
    }),
  );
  t.pass();
});

t.test("two quorums of one configuration always intersect", async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9 }), fc.nat(), fc.nat(), (count, maskA, maskB) => {
      const voters = voterIds(count);
      const inA = (id: string) => ((maskA >> Number(id.slice(1))) & 1) === 1;
      const inB = (id: string) => ((maskB >> Number(id.slice(1))) & 1) === 1;
      if (!hasQuorum(voters, inA) || !hasQuorum(voters, inB)) return true;
      return voters.some((id) => inA(id) && inB(id));
    }),
  );
  t.pass();
});
