/**
 * The chaos run's report: the verdict and each check, faults fired (by kind,
 * and one line each with how long the cluster had no active around it),
 * operations and outcomes by kind, and the linearizability report.
 */
import type { CheckResult, Operation } from "../linearizability/index.js";
import type { ActiveMonitor } from "./monitor.js";
import { type FiredFault, Nemesis } from "./nemesis.js";
import type { Check } from "./verify.js";
import type { WorkloadCounts } from "./workload.js";

export interface ChaosReport {
  readonly passed: boolean;
  readonly checks: readonly Check[];
  readonly linearizability: CheckResult;
  readonly fired: readonly FiredFault[];
  readonly operations: number;
  readonly text: string;
}

/** What the report says about how the run was set up. */
export interface RunDescription {
  readonly seed: number;
  readonly durationS: number;
  readonly faults: readonly string[];
  readonly unsafeStaleReads?: boolean;
}

interface ReportParts {
  readonly options: RunDescription;
  readonly network: string;
  readonly checks: readonly Check[];
  readonly linearizability: CheckResult;
  readonly fired: readonly FiredFault[];
  readonly monitor: ActiveMonitor;
  readonly history: readonly Operation[];
  readonly counts: WorkloadCounts;
  readonly healStartedMs: number;
}

/** An outage starting this long after a fault was undone is still laid at its door. */
const aftermathMs = 1_000;

export function renderReport(parts: ReportParts): ChaosReport {
  const passed = parts.checks.every((check) => check.passed);
  const lines = [
    `chaos run ${passed ? "PASSED" : "FAILED"}: seed ${parts.options.seed}, ${parts.options.durationS} s, ` +
      `faults ${parts.options.faults.join(",")}, network ${parts.network}` +
      (parts.options.unsafeStaleReads ? ", UNSAFE stale reads enabled (test-only)" : ""),
    "",
    "checks:",
    ...parts.checks.map((check) => `  [${check.passed ? "ok" : "FAIL"}] ${check.name}: ${check.detail}`),
    "",
    ...faultSummary(parts),
    "",
    ...operationSummary(parts),
    "",
    "faults, one per line (no active: the longest time without an active node in an outage that began",
    "between the fault firing and 1 s after it was undone; overlapping faults share outages):",
    ...parts.fired.map((fired) => `  ${Nemesis.describe(fired)}; no active for ${withoutActive(parts, fired)} ms`),
    "",
    parts.linearizability.report,
  ];
  return {
    passed,
    checks: parts.checks,
    linearizability: parts.linearizability,
    fired: parts.fired,
    operations: parts.history.length,
    text: lines.join("\n"),
  };
}

function withoutActive(parts: ReportParts, fired: FiredFault): number {
  if (fired.skipped) return 0;
  const endMs = Math.min((fired.healedAtMs ?? parts.healStartedMs) + aftermathMs, parts.healStartedMs);
  return Math.round(parts.monitor.longestOutageStartingIn(fired.firedAtMs, endMs));
}

function faultSummary(parts: ReportParts): string[] {
  const byKind = new Map<string, FiredFault[]>();
  for (const fired of parts.fired) byKind.set(fired.fault.kind, [...(byKind.get(fired.fault.kind) ?? []), fired]);
  const lines = [
    `faults fired: ${parts.fired.filter((fired) => !fired.skipped).length} (${parts.fired.filter((fired) => fired.skipped).length} skipped: no eligible target)`,
  ];
  for (const [kind, list] of byKind) {
    const done = list.filter((fired) => !fired.skipped);
    const gaps = done.map((fired) => withoutActive(parts, fired)).sort((a, b) => a - b);
    const errors = done.filter((fired) => fired.error !== undefined).length;
    lines.push(
      `  ${kind}: ${done.length} fired, ${list.length - done.length} skipped${errors ? `, ${errors} with errors` : ""}; ` +
        `time without an active: median ${percentile(gaps, 0.5)} ms, p95 ${percentile(gaps, 0.95)} ms, max ${gaps.at(-1) ?? 0} ms`,
    );
  }
  const writeGapMs = longestGap(parts.counts.acknowledgedWriteTimes, parts.healStartedMs);
  lines.push(`  longest time without an acknowledged write: ${Math.round(writeGapMs)} ms`);
  return lines;
}

function operationSummary(parts: ReportParts): string[] {
  const statuses = new Map<string, number>();
  for (const operation of parts.history) {
    const name = `${operation.call.kind} ${operation.outcome.status}`;
    statuses.set(name, (statuses.get(name) ?? 0) + 1);
  }
  const lines = [`operations: ${parts.history.length}`];
  for (const [name, count] of [...statuses].sort()) lines.push(`  ${name}: ${count}`);
  lines.push("outcomes by kind (operation status: category):");
  for (const [name, count] of [...parts.counts.byKind].sort((a, b) => b[1] - a[1])) lines.push(`  ${name}: ${count}`);
  return lines;
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

function longestGap(times: readonly number[], endMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let longest = 0;
  let previous = 0;
  for (const time of [...sorted, endMs]) {
    longest = Math.max(longest, time - previous);
    previous = time;
  }
  return longest;
}
