/**
 * `npm run sim -- --seeds N [--start-seed S] [--verbose] [--fault NAME]`:
 * runs seeds S..S+N-1 of the deterministic Raft simulation, prints each
 * failure with the one command that replays it, and exits non-zero if any
 * seed failed.
 */
import { parseArgs } from "node:util";
import type { SeedOptions } from "./scenario.js";
import { defaultSeedCount, runSeed } from "./scenario.js";

const faults: Record<string, SeedOptions> = {
  grantVotesIgnoringLog: { coreFaults: { grantVotesIgnoringLog: true } },
  ackBeforeSync: { driverFaults: { ackBeforeSync: true } },
  countUnpersistedSelfMatch: { coreFaults: { countUnpersistedSelfMatch: true } },
  commitOlderTermsByCounting: { coreFaults: { commitOlderTermsByCounting: true } },
};

function main(): number {
  const { values } = parseArgs({
    options: {
      seeds: { type: "string", default: String(defaultSeedCount) },
      "start-seed": { type: "string", default: "1" },
      verbose: { type: "boolean", default: false },
      fault: { type: "string" },
      "stop-on-failure": { type: "boolean", default: false },
    },
  });
  const count = Number(values.seeds);
  const start = Number(values["start-seed"]);
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(start) || start < 0) {
    console.error("usage: npm run sim -- --seeds N [--start-seed S] [--verbose] [--fault NAME]");
    return 2;
  }
  const fault = values.fault;
  if (fault !== undefined && !(fault in faults)) {
    console.error(`unknown fault ${fault}; known: ${Object.keys(faults).join(", ")}`);
    return 2;
  }
  const options: SeedOptions = { ...(fault ? faults[fault] : {}), traceLines: values.verbose ? 400 : 0 };
  const startedMs = performance.now();
  let failed = 0;
  for (let seed = start; seed < start + count; seed++) {
    const result = runSeed(seed, options);
    if (values.verbose) {
      console.log(`seed ${seed}: ${result.summary}`);
      for (const line of result.trace) console.log(`  ${line}`);
      for (const line of result.state) console.log(`  | ${line}`);
    }
    if (!result.ok) {
      failed += 1;
      const faultFlag = fault ? ` --fault ${fault}` : "";
      console.log(`seed ${seed} FAILED at ${result.virtualMs}ms: ${result.failure}`);
      console.log(`  replay: npm run sim -- --seeds 1 --start-seed ${seed}${faultFlag} --verbose`);
      if (values["stop-on-failure"]) break;
    }
    const done = seed - start + 1;
    if (!values.verbose && done % 1000 === 0) {
      console.log(`${done}/${count} seeds, ${failed} failed, ${((performance.now() - startedMs) / 1000).toFixed(1)}s`);
    }
  }
  const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);
  console.log(`${count - failed} seeds passed, ${failed} failed (seeds ${start}..${start + count - 1}, ${seconds}s)`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = main();
