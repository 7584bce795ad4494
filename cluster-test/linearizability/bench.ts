/**
 * Checker speed (not a test): histories of N operations generated from a
 * sequential execution (so linearizable), with overlapping times and a share
 * of indeterminate operations, checked end to end. Prints operations per
 * second for each size, and the time to find and explain one injected stale
 * read.
 *
 *   npx tsc -p . && node dist/cluster-test/linearizability/bench.js [--sizes 1000,10000,100000] [--keys 5] [--unknown 0.05] [--seed 1]
 */
import { parseArgs } from "node:util";
import { Prng } from "../../src/sim/prng.js";
import { checkHistory, type Operation } from "./index.js";
import { type GeneratedStep, historyFromSequentialRun } from "./testing.js";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000,100000" },
    keys: { type: "string", default: "5" },
    unknown: { type: "string", default: "0.05" },
    overlap: { type: "string", default: "30" },
    seed: { type: "string", default: "1" },
  },
});

function generate(size: number, random: Prng): GeneratedStep[] {
  const unknownShare = Number(args.unknown);
  const overlapMs = Number(args.overlap);
  return Array.from({ length: size }, (): GeneratedStep => {
    const roll = random.float();
    const fate =
      roll < unknownShare / 2
        ? "unknown"
        : roll < unknownShare
          ? "phantom"
          : roll < unknownShare * 1.5
            ? "refused"
            : "ok";
    return {
      key: random.int(Number(args.keys)),
      kind: random.pick(["read", "read", "write", "cas"] as const),
      casOffset: random.between(-1, 0),
      leadMs: random.int(overlapMs),
      lagMs: random.int(overlapMs),
      fate,
    };
  });
}

for (const size of args.sizes.split(",").map(Number)) {
  const random = new Prng(Number(args.seed) + size);
  const { operations, versions } = historyFromSequentialRun(generate(size, random));
  const passing = checkHistory(operations, { timeLimitMs: 600_000 });
  const opsPerSecond = (size / passing.elapsedMs) * 1000;
  const configurations = passing.keys.reduce((sum, key) => sum + key.configurations, 0);
  console.log(
    `${size} operations, ${args.keys} keys: ${passing.verdict} in ${passing.elapsedMs.toFixed(0)} ms ` +
      `(${opsPerSecond.toFixed(0)} ops/s, ${configurations} configurations)`,
  );
  const stale = staleReadNearTheEnd(operations, versions);
  if (stale === undefined) continue;
  const failing = checkHistory([...operations, stale], { timeLimitMs: 600_000 });
  const explanation = failing.keys.find((key) => key.explanation)?.explanation;
  const windowSize = explanation?.operations.filter(
    (operation) => operation.invokeMs >= explanation.window.startMs,
  ).length;
  console.log(
    `  + one stale read: ${failing.verdict} in ${failing.elapsedMs.toFixed(0)} ms, ` +
      `failing window of ${windowSize ?? "?"} operations`,
  );
}

function staleReadNearTheEnd(
  operations: readonly Operation[],
  versions: ReadonlyMap<string, readonly (string | null)[]>,
): Operation | undefined {
  for (let index = operations.length - 1; index >= 0; index--) {
    const write = operations[index]!;
    if (write.outcome.status !== "ok" || write.outcome.result.kind !== "write") continue;
    const version = write.outcome.result.version ?? 0;
    if (version < 2) continue;
    const value = versions.get(write.key)?.[version - 1] ?? null;
    return {
      id: operations.length,
      client: "stale",
      key: write.key,
      call: { kind: "read" },
      invokeMs: write.returnMs + 1,
      returnMs: write.returnMs + 2,
      outcome: { status: "ok", result: { kind: "read", version: version - 1, value } },
    };
  }
  return undefined;
}
