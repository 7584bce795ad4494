/**
 * Why a key's history is not linearizable, told on the smallest window that
 * still fails:
 *
 * 1. The end: the earliest return time T such that the prefix up to T fails
 *    (operations still running at T treated as given up). The failed search
 *    got every prefix ending before its furthest frontier linearized, so T
 *    is at least that; it usually is that, and a failing window ending there
 *    proves it. Otherwise prefixes (which fail monotonically) are bisected.
 *    An operation returning at T is the culprit.
 * 2. The start: the latest start S such that the window [S, T] checked from
 *    an unknown state still fails (grown by doubling, then bisected).
 * 3. The reason: with the culprit left out, every configuration of the
 *    window in which the culprit could take effect (all operations that
 *    returned before its call are linearized) is enumerated; the register
 *    states found there are what the culprit saw none of.
 */
import type { Operation } from "./history.js";
import {
  type ModelOperation,
  type RegisterState,
  requirement,
  successors,
  unknownValue,
  unknownVersion,
  unseenValue,
} from "./model.js";
import { type KeyProblem, prepareKey, type TimeWindow } from "./prepare.js";
import { type SearchLimits, type SearchVerdict, searchKey } from "./search.js";

export interface PossibleState {
  readonly state: RegisterState;
  /** The text of the state ("version 3 holding "a"'). */
  readonly description: string;
  /** Ids of the operations linearized before it, in order (one example). */
  readonly after: readonly number[];
  /** Why the culprit does not fit there, or undefined when it does (then the rest could not follow). */
  readonly mismatch: string | undefined;
}

export interface FailureExplanation {
  readonly key: string;
  readonly window: TimeWindow;
  /** The operations of the window, as the checker saw them (ids of the history). */
  readonly operations: readonly Operation[];
  readonly culprit: Operation;
  readonly culpritNeeds: string;
  readonly possibleStates: readonly PossibleState[];
  /** True when the enumeration of configurations hit a limit (the list may be partial). */
  readonly partial: boolean;
  readonly text: string;
}

const windowStartTriesMax = 24;
const statesShownMax = 8;

export function explainFailure(
  key: string,
  operations: readonly Operation[],
  furthestFrontierMs: number,
  limits: SearchLimits,
): FailureExplanation | undefined {
  const fails = (window: TimeWindow, excluded?: ReadonlySet<number>) =>
    verdictOf(prepareKey(key, operations, window, excluded), limits) === "non-linearizable";
  const culpritAt = (endMs: number) =>
    operations.find((operation) => operation.key === key && isCompleted(operation) && operation.returnMs === endMs);
  let endMs = furthestFrontierMs;
  let culprit = culpritAt(endMs);
  let startMs = culprit === undefined ? undefined : latestFailingStart(operations, key, culprit, endMs, fails);
  if (startMs === undefined) {
    const found = smallestFailingEnd(operations, key, furthestFrontierMs, fails);
    if (found === undefined) return undefined;
    endMs = found;
    culprit = culpritAt(endMs);
    if (culprit === undefined) return undefined;
    startMs = latestFailingStart(operations, key, culprit, endMs, fails) ?? Number.NEGATIVE_INFINITY;
  }
  if (culprit === undefined) return undefined;
  const window: TimeWindow = { startMs, endMs };
  const problem = prepareKey(key, operations, window);
  const culpritModel = problem.operations.find((operation) => operation.source.id === culprit.id);
  if (culpritModel === undefined) return undefined;
  const withoutCulprit = prepareKey(key, operations, window, new Set([culprit.id]));
  const { states, partial } = statesWhereCulpritCouldApply(withoutCulprit, culpritModel, limits);
  const describe = describeValueIn(problem);
  const explanation = {
    key,
    window,
    operations: problem.operations.map((operation) => operation.source),
    culprit,
    culpritNeeds: requirement(culpritModel, describe),
    possibleStates: states,
    partial,
  };
  return { ...explanation, text: renderExplanation(explanation, problem) };
}

function isCompleted(operation: Operation): boolean {
  return operation.outcome.status === "ok";
}

function verdictOf(problem: KeyProblem, limits: SearchLimits): SearchVerdict {
  return searchKey(problem, limits).verdict;
}

/** The earliest return time at or after `fromMs` whose prefix fails (the whole history is known to fail). */
function smallestFailingEnd(
  operations: readonly Operation[],
  key: string,
  fromMs: number,
  fails: (window: TimeWindow) => boolean,
): number | undefined {
  const ends = [
    ...new Set(
      operations.filter((o) => o.key === key && isCompleted(o) && o.returnMs >= fromMs).map((o) => o.returnMs),
    ),
  ].sort((a, b) => a - b);
  if (ends.length === 0) return undefined;
  // Invariant: the prefix up to ends[high] fails; the one up to ends[low - 1] is not known to.
  let low = 0;
  let high = ends.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (fails({ startMs: Number.NEGATIVE_INFINITY, endMs: ends[middle]! })) high = middle;
    else low = middle + 1;
  }
  const endMs = ends[high]!;
  return fails({ startMs: Number.NEGATIVE_INFINITY, endMs }) ? endMs : undefined;
}

/** The latest window start (at or before the culprit's call) that still fails; undefined if none tried does. */
function latestFailingStart(
  operations: readonly Operation[],
  key: string,
  culprit: Operation,
  endMs: number,
  fails: (window: TimeWindow) => boolean,
): number | undefined {
  const starts = [
    ...new Set(
      operations
        .filter((o) => o.key === key && o.invokeMs <= culprit.invokeMs && o.invokeMs <= endMs)
        .map((o) => o.invokeMs),
    ),
  ].sort((a, b) => b - a);
  const failsFrom = (position: number) => fails({ startMs: starts[position]!, endMs });
  let passing = -1;
  let failing = -1;
  for (let tries = 0, position = 0; tries < windowStartTriesMax && position < starts.length; tries++) {
    if (failsFrom(position)) {
      failing = position;
      break;
    }
    passing = position;
    position = position === 0 ? 1 : position * 2;
  }
  if (failing === -1) return undefined;
  while (failing - passing > 1) {
    const middle = (passing + failing) >> 1;
    if (failsFrom(middle)) failing = middle;
    else passing = middle;
  }
  return starts[failing]!;
}

function statesWhereCulpritCouldApply(
  problem: KeyProblem,
  culprit: ModelOperation,
  limits: SearchLimits,
): { states: PossibleState[]; partial: boolean } {
  const found = new Map<string, PossibleState>();
  const describe = describeValueIn(problem);
  const result = searchKey(problem, limits, ({ frontierMs, state, gapAvailable, order }) => {
    if (frontierMs < culprit.callMs) return;
    const name = `${state.version}:${state.valueId}`;
    if (found.has(name)) return;
    found.set(name, {
      state,
      description: describeState(state, describeInOrder(problem, order, describe)),
      after: order.map((index) => problem.operations[index]!.source.id),
      mismatch: mismatch(state, gapAvailable, culprit, describe),
    });
  });
  return { states: [...found.values()], partial: result.verdict === "unknown" };
}

function mismatch(
  state: RegisterState,
  gapAvailable: number,
  culprit: ModelOperation,
  describe: (valueId: number) => string,
): string | undefined {
  if (successors(state.version, state.valueId, culprit, gapAvailable).length > 0) return undefined;
  if (culprit.kind === "read" && state.version === culprit.version) {
    return `same version, but it holds ${describe(state.valueId)}`;
  }
  return `the key is at version ${state.version}`;
}

function describeValueIn(problem: KeyProblem): (valueId: number) => string {
  return (valueId) => {
    if (valueId === unknownValue) return "an unknown value";
    const value = problem.values[valueId];
    return value === null || value === undefined ? "no value" : JSON.stringify(value);
  };
}

/** Names an unseen value by the write that stored it in this order (the model merges such values). */
function describeInOrder(
  problem: KeyProblem,
  order: readonly number[],
  describe: (valueId: number) => string,
): (valueId: number) => string {
  return (valueId) => {
    if (valueId !== unseenValue) return describe(valueId);
    for (let position = order.length - 1; position >= 0; position--) {
      const call = problem.operations[order[position]!]!.source.call;
      if (call.kind !== "read") return `${JSON.stringify(call.value)} (never read back)`;
    }
    return describe(valueId);
  };
}

function describeState(state: RegisterState, describe: (valueId: number) => string): string {
  const version = state.version === unknownVersion ? "an unknown version" : `version ${state.version}`;
  return `${version} holding ${describe(state.valueId)}`;
}

interface ExplanationParts {
  readonly key: string;
  readonly window: TimeWindow;
  readonly operations: readonly Operation[];
  readonly culprit: Operation;
  readonly culpritNeeds: string;
  readonly possibleStates: readonly PossibleState[];
  readonly partial: boolean;
}

function renderExplanation(parts: ExplanationParts, problem: KeyProblem): string {
  const { window, culprit } = parts;
  const from = window.startMs === Number.NEGATIVE_INFINITY ? "the start (version 0)" : `${formatMs(window.startMs)} ms`;
  // Unknown-outcome operations invoked before the window may land inside it; they are many and alike: one line.
  const earlierUnknown = parts.operations.filter(
    (operation) => operation.outcome.status === "unknown" && operation.invokeMs < window.startMs,
  );
  const listed = parts.operations.filter((operation) => !earlierUnknown.includes(operation));
  const lines = [
    `key ${JSON.stringify(parts.key)} is not linearizable.`,
    `Smallest failing window: ${listed.length} operations, from ${from} to ${formatMs(window.endMs)} ms` +
      (window.startMs === Number.NEGATIVE_INFINITY ? "" : " (state at its start left unknown)") +
      ":",
  ];
  for (const operation of listed) {
    const marker = operation.id === culprit.id ? "  <-- cannot be placed" : "";
    const open = problem.operations.find((o) => o.source.id === operation.id)?.open ?? false;
    lines.push(`  ${formatOperation(operation, open)}${marker}`);
  }
  if (earlierUnknown.length > 0) {
    lines.push(
      `  plus ${earlierUnknown.length} ${earlierUnknown.length === 1 ? "write" : "writes"} of unknown outcome ` +
        "invoked before the window, which may land in it: " +
        formatOrder(earlierUnknown.map((operation) => operation.id)),
    );
  }
  lines.push(
    `Why: #${culprit.id} ${parts.culpritNeeds}. It could take effect anywhere between ${formatMs(culprit.invokeMs)} and ` +
      `${formatMs(culprit.returnMs)} ms; in every order of the other operations the key there is:`,
  );
  if (parts.possibleStates.length === 0) lines.push("  (no order of the other operations even reaches its call)");
  for (const possible of parts.possibleStates.slice(0, statesShownMax)) {
    const after = possible.after.length === 0 ? "before any of them" : `after ${formatOrder(possible.after)}`;
    const verdict = possible.mismatch ?? "it fits here, but then the operations after it cannot all be placed";
    lines.push(`  ${possible.description} (${after}): ${verdict}`);
  }
  if (parts.possibleStates.length > statesShownMax) {
    lines.push(`  ... and ${parts.possibleStates.length - statesShownMax} more states`);
  }
  if (problem.classes.some((operationClass) => operationClass.kind === "write")) {
    lines.push(
      "  (writes of unknown outcome whose value no read returned may also land anywhere: they only raise the version)",
    );
  }
  if (parts.partial) lines.push("  (the enumeration hit a search limit: the list may be incomplete)");
  return lines.join("\n");
}

function formatOrder(ids: readonly number[]): string {
  const shown = ids.length > 6 ? ["...", ...ids.slice(-6).map((id) => `#${id}`)] : ids.map((id) => `#${id}`);
  return shown.join(", ");
}

export function formatMs(ms: number): string {
  return Number.isFinite(ms) ? ms.toFixed(1) : String(ms);
}

/** One line per operation: id, client, call, times, outcome. */
export function formatOperation(operation: Operation, treatedAsOpen = false): string {
  const { call, outcome } = operation;
  const callText =
    call.kind === "read"
      ? "read"
      : call.kind === "write"
        ? `write ${JSON.stringify(call.value)}`
        : `cas=${call.expectedVersion} ${JSON.stringify(call.value)}`;
  let outcomeText: string;
  if (outcome.status === "ok") {
    const result = outcome.result;
    outcomeText =
      result.kind === "read"
        ? `ok: version ${result.version} ${result.value === null ? "(no value)" : JSON.stringify(result.value)}`
        : result.kind === "cas" && !result.applied
          ? "ok: refused (version mismatch)"
          : `ok: version ${result.version ?? "?"}`;
  } else {
    outcomeText = `${outcome.status} (${outcome.reason})`;
  }
  const open = treatedAsOpen && outcome.status === "ok" ? " [outside the window: may apply any time]" : "";
  return `#${operation.id} ${operation.client} ${callText} [${formatMs(operation.invokeMs)}, ${formatMs(operation.returnMs)}] ${outcomeText}${open}`;
}
