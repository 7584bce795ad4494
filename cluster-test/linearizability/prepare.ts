/**
 * One key's operations -> the search problem, optionally cut to a time
 * window. Cutting only ever relaxes constraints, so a window that is not
 * linearizable proves the whole history is not:
 *
 * - before the window (returned before `startMs`): dropped; their effect is
 *   folded into an unknown starting state.
 * - straddling the start (invoked before, returned at or after `startMs`):
 *   writes become open (may have applied before or inside the window), reads
 *   and refused cas are dropped.
 * - after the window (invoked after `endMs`): dropped.
 * - still running at `endMs` (returned after it): as if the client gave up
 *   at `endMs`: writes become open, reads and refused cas are dropped.
 * - failed operations never happened; unknown reads tell nothing: dropped.
 */
import type { Operation } from "./history.js";
import {
  type ModelOperation,
  nullValue,
  type RegisterState,
  unknownValue,
  unknownVersion,
  unseenValue,
} from "./model.js";

export interface TimeWindow {
  /** -Infinity: from the beginning, in the known initial state (version 0). */
  readonly startMs: number;
  readonly endMs: number;
}

export const wholeHistory: TimeWindow = { startMs: Number.NEGATIVE_INFINITY, endMs: Number.POSITIVE_INFINITY };

export interface KeyProblem {
  readonly key: string;
  /** Sorted by call time, then id. */
  readonly operations: readonly ModelOperation[];
  readonly initial: RegisterState;
  /** valueId -> the value's text (null for "no value"). */
  readonly values: readonly (string | null)[];
  /**
   * Open operations of unseen values that are interchangeable (same kind, same
   * cas version): the search linearizes each class in call order, so only a
   * count per class matters.
   */
  readonly classes: readonly OperationClass[];
  /** Operation index -> its class, -1 for operations in no class. */
  readonly classOf: Int32Array;
}

export interface OperationClass {
  readonly kind: "write" | "cas";
  /** cas classes only. */
  readonly expectedVersion: number;
  /** Operation indexes in call order. */
  readonly members: readonly number[];
}

interface Shaped {
  readonly operation: Operation;
  readonly open: boolean;
}

export function prepareKey(
  key: string,
  operations: readonly Operation[],
  window: TimeWindow = wholeHistory,
  excludedIds: ReadonlySet<number> = new Set(),
): KeyProblem {
  const shaped: Shaped[] = [];
  for (const operation of operations) {
    if (operation.key !== key || excludedIds.has(operation.id)) continue;
    const open = shape(operation, window);
    if (open !== undefined) shaped.push({ operation, open });
  }
  shaped.sort((a, b) => a.operation.invokeMs - b.operation.invokeMs || a.operation.id - b.operation.id);
  const { valueIdOf, values } = internValues(shaped);
  const modelled = inferWriteVersions(shaped.map(({ operation, open }) => toModel(operation, open, valueIdOf)));
  const classes = assignClasses(modelled);
  const initial: RegisterState =
    window.startMs === Number.NEGATIVE_INFINITY
      ? { version: 0, valueId: nullValue }
      : { version: unknownVersion, valueId: unknownValue };
  return { key, operations: modelled, initial, values, ...classes };
}

/** undefined: dropped; true: open (may apply later or never); false: kept with its result. */
function shape(operation: Operation, window: TimeWindow): boolean | undefined {
  const { outcome, call } = operation;
  if (outcome.status === "failed" || operation.invokeMs > window.endMs) return undefined;
  if (outcome.status === "unknown") return call.kind === "read" ? undefined : true;
  if (operation.returnMs < window.startMs) return undefined;
  const straddles = operation.invokeMs < window.startMs;
  const unfinished = operation.returnMs > window.endMs;
  if (!straddles && !unfinished) return false;
  const changesState = outcome.result.kind === "write" || (outcome.result.kind === "cas" && outcome.result.applied);
  return changesState ? true : undefined;
}

function internValues(shaped: readonly Shaped[]): {
  valueIdOf: (value: string | null) => number;
  values: (string | null)[];
} {
  const values: (string | null)[] = [null, "(a value no read returned)"];
  const ids = new Map<string, number>();
  for (const { operation, open } of shaped) {
    const outcome = operation.outcome;
    if (open || outcome.status !== "ok" || outcome.result.kind !== "read") continue;
    const value = outcome.result.value;
    if (value !== null && !ids.has(value)) {
      ids.set(value, values.length);
      values.push(value);
    }
  }
  const valueIdOf = (value: string | null) => (value === null ? nullValue : (ids.get(value) ?? unseenValue));
  return { valueIdOf, values };
}

function toModel(operation: Operation, open: boolean, valueIdOf: (value: string | null) => number): ModelOperation {
  const { call, outcome } = operation;
  const base = {
    source: operation,
    open,
    callMs: operation.invokeMs,
    returnMs: open ? Number.POSITIVE_INFINITY : operation.returnMs,
  };
  const result = !open && outcome.status === "ok" ? outcome.result : undefined;
  switch (call.kind) {
    case "read": {
      if (result?.kind !== "read") throw new Error(`operation ${operation.id}: a read kept without its result`);
      return {
        ...base,
        kind: "read",
        valueId: valueIdOf(result.value),
        version: result.version,
        expectedVersion: 0,
        applied: true,
      };
    }
    case "write": {
      const version = result?.kind === "write" ? (result.version ?? unknownVersion) : unknownVersion;
      return { ...base, kind: "write", valueId: valueIdOf(call.value), version, expectedVersion: 0, applied: true };
    }
    case "cas": {
      const applied = result?.kind === "cas" ? result.applied : true;
      const version = result?.kind === "cas" && result.applied ? (result.version ?? unknownVersion) : unknownVersion;
      return {
        ...base,
        kind: "cas",
        valueId: valueIdOf(call.value),
        version,
        expectedVersion: call.expectedVersion,
        applied,
      };
    }
  }
}

/**
 * A write whose version the client does not know (an open one, usually)
 * but whose value a read returned: when it is the only writer of that value,
 * the read's state (v, value) can only be its doing, so it created v. Exact,
 * and it spares the search from trying every version for it.
 */
function inferWriteVersions(operations: ModelOperation[]): ModelOperation[] {
  const writers = new Map<number, number>();
  const readVersions = new Map<number, Set<number>>();
  for (const operation of operations) {
    if (operation.valueId <= unseenValue) continue;
    if (operation.kind === "read") {
      const versions = readVersions.get(operation.valueId) ?? new Set();
      versions.add(operation.version);
      readVersions.set(operation.valueId, versions);
    } else {
      writers.set(operation.valueId, (writers.get(operation.valueId) ?? 0) + 1);
    }
  }
  return operations.map((operation) => {
    if (operation.kind !== "write" || operation.version !== unknownVersion) return operation;
    const versions = readVersions.get(operation.valueId);
    if (writers.get(operation.valueId) !== 1 || versions?.size !== 1) return operation;
    return { ...operation, version: [...versions][0]! };
  });
}

function assignClasses(operations: readonly ModelOperation[]): Pick<KeyProblem, "classes" | "classOf"> {
  const classOf = new Int32Array(operations.length).fill(-1);
  const classes: { kind: "write" | "cas"; expectedVersion: number; members: number[] }[] = [];
  const classIds = new Map<string, number>();
  operations.forEach((operation, index) => {
    if (!operation.open || operation.valueId !== unseenValue || operation.kind === "read") return;
    const name = `${operation.kind}:${operation.kind === "cas" ? operation.expectedVersion : 0}`;
    let id = classIds.get(name);
    if (id === undefined) {
      id = classes.length;
      classIds.set(name, id);
      classes.push({ kind: operation.kind, expectedVersion: operation.expectedVersion, members: [] });
    }
    classOf[index] = id;
    classes[id]!.members.push(index);
  });
  return { classes, classOf };
}
