/**
 * The simulator over its default seed set, and proof that its checkers can
 * fail: with a deliberate defect in the core or in the driver, some seed of
 * the same set must fail. A failing seed prints the command that replays it.
 */
import t from "tap";
import type { SeedOptions } from "./scenario.js";
import { defaultSeedCount, runSeed } from "./scenario.js";

function replay(seed: number, fault = ""): string {
  return `npm run sim -- --seeds 1 --start-seed ${seed}${fault ? ` --fault ${fault}` : ""} --verbose`;
}

t.test(
  `every seed of the default set (1..${defaultSeedCount}) keeps Raft's safety and liveness properties`,
  async (t) => {
    const failures: string[] = [];
    for (let seed = 1; seed <= defaultSeedCount; seed++) {
      const result = runSeed(seed);
      if (!result.ok) failures.push(`seed ${seed}: ${result.failure}\n  replay: ${replay(seed)}`);
    }
    t.same(failures, [], "no seed fails");
  },
);

t.test("a seed replays identically", async (t) => {
  const first = runSeed(7, { traceLines: 50 });
  const second = runSeed(7, { traceLines: 50 });
  t.equal(second.summary, first.summary);
  t.same(second.state, first.state);
  t.same(second.trace, first.trace);
});

function firstFailure(name: string, options: SeedOptions): { seed: number; failure: string } | null {
  for (let seed = 1; seed <= defaultSeedCount; seed++) {
    const result = runSeed(seed, options);
    if (!result.ok) return { seed, failure: result.failure };
  }
  void name;
  return null;
}

t.test("the checkers catch a core that grants votes to candidates with shorter logs (§5.4.1 broken)", async (t) => {
  const found = firstFailure("grantVotesIgnoringLog", { coreFaults: { grantVotesIgnoringLog: true } });
  t.ok(found, "some seed of the default set fails");
  if (found)
    t.comment(`seed ${found.seed}: ${found.failure}\n  replay: ${replay(found.seed, "grantVotesIgnoringLog")}`);
  t.match(
    found?.failure ?? "",
    /leader completeness|log matching|state machine safety|acknowledged/,
    "by a safety property",
  );
});

t.test("the checkers catch a driver that acknowledges entries before syncing them", async (t) => {
  const found = firstFailure("ackBeforeSync", { driverFaults: { ackBeforeSync: true } });
  t.ok(found, "some seed of the default set fails");
  if (found) t.comment(`seed ${found.seed}: ${found.failure}\n  replay: ${replay(found.seed, "ackBeforeSync")}`);
});

t.test(
  "the checkers catch a leader that counts its own entries toward commit before its write is durable (thesis §10.2.1 broken)",
  async (t) => {
    const found = firstFailure("countUnpersistedSelfMatch", { coreFaults: { countUnpersistedSelfMatch: true } });
    t.ok(found, "some seed of the default set fails");
    if (found) {
      t.comment(`seed ${found.seed}: ${found.failure}\n  replay: ${replay(found.seed, "countUnpersistedSelfMatch")}`);
    }
    t.match(found?.failure ?? "", /state machine safety|leader completeness|acknowledged/, "by a safety property");
  },
);

t.test(
  "the checkers catch a leader that commits an older term's entry by counting replicas (Raft §5.4.2, Figure 8)",
  async (t) => {
    const found = firstFailure("commitOlderTermsByCounting", { coreFaults: { commitOlderTermsByCounting: true } });
    t.ok(found, "some seed of the default set fails (the Figure 8 family of scenario.ts drives into it)");
    if (found) {
      t.comment(`seed ${found.seed}: ${found.failure}\n  replay: ${replay(found.seed, "commitOlderTermsByCounting")}`);
    }
    t.match(found?.failure ?? "", /leader completeness|state machine safety|acknowledged/, "by a safety property");
  },
);
