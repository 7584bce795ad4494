/**
 * `npm run chaos -- --duration S --seed N [--faults kill,pause,partition] [--report FILE]`
 *   [--fault-gap MIN,MAX] (ms between fault starts) [--fault-ms pause=5000-7000,kill=300-2000] [--shapes isolate-active,one-way,...] [--clients N]
 *   [--unsafe-stale-reads] (test-only: nodes started with COFFER_UNSAFE_STALE_READS=1)
 *   [--scenario frozen-stale-leader] (a fixed schedule instead of the seeded one, see scenarios.ts)
 *
 * Builds, runs one chaos run against three real nodes and prints its report;
 * exits 1 when any check fails. The seed replays the same fault schedule and
 * client choices (timing on a real machine still varies).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseFaultDurations, parseFaultKinds, parsePartitionShapes } from "../faults/index.js";
import { runChaos } from "./run.js";
import { frozenStaleLeader } from "./scenarios.js";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "60" },
    seed: { type: "string" },
    faults: { type: "string", default: "kill,pause,partition" },
    clients: { type: "string", default: "2" },
    report: { type: "string" },
    "fault-gap": { type: "string", default: "800,2400" },
    shapes: { type: "string" },
    "fault-ms": { type: "string" },
    scenario: { type: "string" },
    "unsafe-stale-reads": { type: "boolean", default: false },
  },
});

const durationS = Number(values.duration);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const clientsPerNode = Number(values.clients);
if (!(durationS > 0) || !Number.isSafeInteger(seed) || !(clientsPerNode > 0)) {
  console.error(
    "usage: npm run chaos -- --duration SECONDS --seed N [--faults kill,pause,partition,disk,delay] [--clients 2] [--report FILE]",
  );
  process.exit(2);
}
const faults = parseFaultKinds(values.faults);
const [gapMinMs = Number.NaN, gapMaxMs = Number.NaN] = values["fault-gap"].split(",").map(Number);
if (!(gapMinMs > 0 && gapMaxMs >= gapMinMs)) {
  console.error("--fault-gap MIN,MAX: milliseconds between fault starts");
  process.exit(2);
}
const shapes = values.shapes === undefined ? undefined : parsePartitionShapes(values.shapes);
const faultMs = values["fault-ms"] === undefined ? undefined : parseFaultDurations(values["fault-ms"]);
if (values.scenario !== undefined && values.scenario !== "frozen-stale-leader") {
  console.error("--scenario: only frozen-stale-leader is known");
  process.exit(2);
}
// The scenario repeats every 13 s over the run.
const scenario =
  values.scenario === undefined
    ? undefined
    : frozenStaleLeader(
        Array.from({ length: Math.max(1, Math.floor((durationS - 11) / 13)) }, (_, round) => 3_000 + round * 13_000),
      );
const started = Date.now();
const report = await runChaos({
  durationS,
  seed,
  faults,
  clientsPerNode,
  faultGapMs: [gapMinMs, gapMaxMs],
  ...(shapes === undefined ? {} : { partitionShapes: shapes }),
  ...(faultMs === undefined ? {} : { faultMs }),
  ...(scenario === undefined ? {} : { schedule: scenario }),
  unsafeStaleReads: values["unsafe-stale-reads"],
  log: (line) => console.error(`[chaos ${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`),
});
console.log(report.text);
if (values.report) writeFileSync(values.report, `${report.text}\n`);
process.exit(report.passed ? 0 : 1);
