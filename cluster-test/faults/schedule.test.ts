import t from "tap";
import { bridgeLinks, isolationLinks, partitionLinks } from "./links.js";
import { defaultFaultMs, faultSchedule, parseFaultKinds, resolvePick, type ScheduleOptions } from "./schedule.js";

const options = (seed: number): ScheduleOptions => ({
  seed,
  durationMs: 600_000,
  kinds: ["kill", "pause", "partition"],
  gapMs: [800, 2_400],
  faultMs: defaultFaultMs,
  quietEndMs: 10_000,
});

t.test("the schedule is a pure function of its seed", async (t) => {
  t.same(faultSchedule(options(7)), faultSchedule(options(7)), "same seed, same schedule");
  t.notSame(faultSchedule(options(7)), faultSchedule(options(8)), "another seed, another schedule");
});

t.test("faults start in order, inside the run, with durations in range", async (t) => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const faults = faultSchedule(options(seed));
    let previousMs = 0;
    for (const fault of faults) {
      if (fault.startMs < previousMs || fault.startMs >= 590_000)
        t.fail(`seed ${seed}: fault ${fault.id} starts at ${fault.startMs}`);
      const [min, max] = defaultFaultMs[fault.kind];
      if (fault.durationMs < min || fault.durationMs > max)
        t.fail(`seed ${seed}: fault ${fault.id} lasts ${fault.durationMs}`);
      previousMs = fault.startMs;
    }
    const counts = new Map<string, number>();
    for (const fault of faults) counts.set(fault.kind, (counts.get(fault.kind) ?? 0) + 1);
    const values = [...counts.values()];
    t.ok(
      Math.max(...values) - Math.min(...values) <= 1,
      `seed ${seed}: kinds drawn evenly (${JSON.stringify([...counts])})`,
    );
    t.ok(
      values.every((count) => count >= 100),
      `seed ${seed}: 10 minutes give over 100 faults of each kind`,
    );
  }
});

t.test("targets", async (t) => {
  const faults = faultSchedule(options(3));
  t.ok(faults.every((fault) => (fault.kind === "partition") === (fault.target.kind === "partition")));
  t.equal(resolvePick(7, ["a", "b", "c"]), "b");
  t.equal(resolvePick(7, []), undefined);
  t.same(faultSchedule({ ...options(1), kinds: [] }), []);
  t.same(parseFaultKinds("kill, pause,partition"), ["kill", "pause", "partition"]);
  t.throws(() => parseFaultKinds("kill,explode"), /unknown fault kind "explode"/);
});

t.test("partition shapes as links", async (t) => {
  t.same(isolationLinks("a", ["a", "b", "c"]), [
    { from: "a", to: "b" },
    { from: "a", to: "c" },
    { from: "b", to: "a" },
    { from: "c", to: "a" },
  ]);
  t.same(partitionLinks([["a", "b"], ["c"]]).length, 4);
  t.same(bridgeLinks("a", "b"), [
    { from: "a", to: "b" },
    { from: "b", to: "a" },
  ]);
});
