import fc from "fast-check";
import t from "tap";
import { checkHistory, type Operation } from "./index.js";
import { type GeneratedStep, historyFromSequentialRun } from "./testing.js";

const step: fc.Arbitrary<GeneratedStep> = fc.record({
  key: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom("read", "write", "cas"),
  casOffset: fc.integer({ min: -1, max: 1 }),
  leadMs: fc.integer({ min: 0, max: 35 }),
  lagMs: fc.integer({ min: 0, max: 35 }),
  fate: fc.constantFrom("ok", "ok", "ok", "ok", "ok", "unknown", "phantom", "refused"),
});
const steps = fc.array(step, { minLength: 1, maxLength: 60 });
const checkOptions = { timeLimitMs: 20_000 };

t.test(
  "histories of a sequential execution, with overlapping times and indeterminate operations, are linearizable",
  async (t) => {
    fc.assert(
      fc.property(steps, (generated) => {
        const { operations } = historyFromSequentialRun(generated);
        const result = checkHistory(operations, checkOptions);
        if (result.verdict !== "linearizable") throw new Error(result.report);
      }),
      { numRuns: 300 },
    );
    t.pass("300 generated histories");
  },
);

t.test("a stale read injected into such a history is detected", async (t) => {
  const withStaleRead = fc
    .tuple(steps, fc.nat(), fc.integer({ min: 1, max: 20 }))
    .map(([generated, choice, gapMs]) => ({ ...historyFromSequentialRun(generated), choice, gapMs }))
    .filter(({ operations }) => operations.some(createsKnownVersion));
  fc.assert(
    fc.property(withStaleRead, ({ operations, versions, choice, gapMs }) => {
      const writes = operations.filter(createsKnownVersion);
      const write = writes[choice % writes.length]!;
      const version = createdVersion(write);
      const older = version - 1;
      const value = versions.get(write.key)?.[older] ?? null;
      // Invoked after the write returned, so it must see at least `version`: reading `older` is stale.
      const stale: Operation = {
        id: operations.length,
        client: "stale-reader",
        key: write.key,
        call: { kind: "read" },
        invokeMs: write.returnMs + gapMs,
        returnMs: write.returnMs + gapMs + 5,
        outcome: { status: "ok", result: { kind: "read", version: older, value } },
      };
      const result = checkHistory([...operations, stale], checkOptions);
      if (result.verdict !== "non-linearizable") throw new Error(`not detected: ${result.report}`);
      const explanation = result.keys.find((key) => key.key === write.key)?.explanation;
      if (explanation === undefined) throw new Error(`no explanation: ${result.report}`);
    }),
    { numRuns: 300 },
  );
  t.pass("300 injected stale reads detected");
});

function createsKnownVersion(operation: Operation): boolean {
  return createdVersion(operation) > 0;
}

function createdVersion(operation: Operation): number {
  if (operation.outcome.status !== "ok") return 0;
  const result = operation.outcome.result;
  if (result.kind === "write" || (result.kind === "cas" && result.applied)) return result.version ?? 0;
  return 0;
}
