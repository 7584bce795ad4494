/**
 * Checks a whole history: keys are independent registers, and a history is
 * linearizable exactly when each key's sub-history is (linearizability is
 * compositional), so each key is searched on its own. Verdicts:
 * linearizable only when every key has a linearization; non-linearizable
 * as soon as one key provably has none; unknown when a limit stopped a
 * search first (never a pass by default).
 */
import { explainFailure, type FailureExplanation } from "./explain.js";
import { type History, type Operation, validateHistory } from "./history.js";
import { prepareKey } from "./prepare.js";
import { type SearchResult, type SearchVerdict, searchKey } from "./search.js";

export interface CheckOptions {
  /** Wall-clock budget for the whole check (searches of every key). Default 60 s. */
  readonly timeLimitMs?: number;
  /** Approximate bytes one key's configuration cache may hold. Default 512 MiB. */
  readonly cacheBytesMax?: number;
  /** Whether to look for the smallest failing window of a failing key. Default true. */
  readonly explain?: boolean;
  /** Extra budget for the explanation of one failing key. Default 30 s. */
  readonly explainTimeLimitMs?: number;
}

export interface KeyVerdict {
  readonly key: string;
  readonly verdict: SearchVerdict;
  readonly limit?: "time" | "memory";
  /** Operations the search considered (failed ones and unknown reads excluded). */
  readonly operations: number;
  readonly configurations: number;
  readonly elapsedMs: number;
  readonly explanation?: FailureExplanation;
}

export interface CheckResult {
  readonly verdict: SearchVerdict;
  readonly keys: readonly KeyVerdict[];
  readonly elapsedMs: number;
  /** A human-readable summary; names every failing key with its window. */
  readonly report: string;
}

const defaultTimeLimitMs = 60_000;
const defaultCacheBytesMax = 512 * 1024 * 1024;
const defaultExplainTimeLimitMs = 30_000;

export function checkHistory(history: History, options: CheckOptions = {}): CheckResult {
  validateHistory(history);
  const started = performance.now();
  const deadlineMs = started + (options.timeLimitMs ?? defaultTimeLimitMs);
  const cacheBytesMax = options.cacheBytesMax ?? defaultCacheBytesMax;
  const byKey = groupByKey(history);
  const keys: KeyVerdict[] = [];
  for (const [key, operations] of byKey) {
    const keyStarted = performance.now();
    const problem = prepareKey(key, operations);
    const result: SearchResult =
      performance.now() > deadlineMs
        ? {
            verdict: "unknown",
            limit: "time",
            furthestFrontierMs: Number.NEGATIVE_INFINITY,
            configurations: 0,
            steps: 0,
          }
        : searchKey(problem, { deadlineMs, cacheBytesMax });
    let explanation: FailureExplanation | undefined;
    if (result.verdict === "non-linearizable" && options.explain !== false) {
      const explainDeadlineMs = performance.now() + (options.explainTimeLimitMs ?? defaultExplainTimeLimitMs);
      const limits = { deadlineMs: explainDeadlineMs, cacheBytesMax };
      explanation = explainFailure(key, operations, result.furthestFrontierMs, limits);
    }
    keys.push({
      key,
      verdict: result.verdict,
      ...(result.limit === undefined ? {} : { limit: result.limit }),
      operations: problem.operations.length,
      configurations: result.configurations,
      elapsedMs: performance.now() - keyStarted,
      ...(explanation === undefined ? {} : { explanation }),
    });
  }
  const verdict = overall(keys);
  const elapsedMs = performance.now() - started;
  return { verdict, keys, elapsedMs, report: renderReport(verdict, keys, history.length, elapsedMs) };
}

function groupByKey(history: History): Map<string, Operation[]> {
  const byKey = new Map<string, Operation[]>();
  for (const operation of history) {
    const list = byKey.get(operation.key);
    if (list === undefined) byKey.set(operation.key, [operation]);
    else list.push(operation);
  }
  return byKey;
}

function overall(keys: readonly KeyVerdict[]): SearchVerdict {
  if (keys.some((key) => key.verdict === "non-linearizable")) return "non-linearizable";
  if (keys.some((key) => key.verdict === "unknown")) return "unknown";
  return "linearizable";
}

function renderReport(
  verdict: SearchVerdict,
  keys: readonly KeyVerdict[],
  operations: number,
  elapsedMs: number,
): string {
  const lines = [
    `linearizability: ${verdict} (${operations} operations, ${keys.length} keys, ${elapsedMs.toFixed(0)} ms)`,
  ];
  for (const key of keys) {
    const limit = key.limit === undefined ? "" : ` (stopped by the ${key.limit} limit)`;
    lines.push(
      `  ${JSON.stringify(key.key)}: ${key.verdict}${limit}, ${key.operations} operations, ` +
        `${key.configurations} configurations, ${key.elapsedMs.toFixed(0)} ms`,
    );
  }
  for (const key of keys) {
    if (key.verdict !== "non-linearizable") continue;
    lines.push(
      "",
      key.explanation?.text ?? `key ${JSON.stringify(key.key)}: no smaller failing window found within the limits`,
    );
  }
  return lines.join("\n");
}
