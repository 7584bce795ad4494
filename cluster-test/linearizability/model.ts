/**
 * The model: one KV v2 key is a register holding (version, value). A write
 * stores a value as version+1; a compare-and-set with `cas = N` does the
 * same only while the version is N; a read returns both. The key starts at
 * version 0 with no value.
 *
 * Values are interned to small integers per key. Any written value that no
 * read ever returned is mapped to one shared id (`unseenValue`): such values
 * can never satisfy a read, so telling them apart changes no verdict, and
 * merging them lets the search treat unknown writes of unseen values as
 * interchangeable.
 *
 * A state component may be unknown (-1): a window of the history checked
 * on its own starts from an unknown state. Every step over-approximates
 * ("some concrete state in this set allows it"), so a window that fails
 * proves the whole history fails.
 */
import type { Operation } from "./history.js";

export const unknownVersion = -1;
export const unknownValue = -1;
export const nullValue = 0;
export const unseenValue = 1;

export type OperationKind = "read" | "write" | "cas";

/** An operation prepared for the search (one key, one window). */
export interface ModelOperation {
  readonly source: Operation;
  readonly kind: OperationKind;
  /** read: the value returned; write/cas: the value written (interned). */
  readonly valueId: number;
  /** read: the version returned. write/cas: the version created if known, else unknownVersion. */
  readonly version: number;
  /** cas only: the version it required. */
  readonly expectedVersion: number;
  /** cas only: whether it applied (ok) — open operations are only ever linearized as applied. */
  readonly applied: boolean;
  /** True when the outcome is unknown: it may take effect any time after `callMs`, or never. */
  readonly open: boolean;
  readonly callMs: number;
  /** Infinity when open. */
  readonly returnMs: number;
}

/** A register state; the search packs it into two numbers. */
export interface RegisterState {
  readonly version: number;
  readonly valueId: number;
}

/**
 * One way an operation can take effect: first `gap` of the interchangeable
 * open writes of unseen values (see prepare.ts), then the operation itself.
 */
export interface Successor {
  readonly gap: number;
  readonly version: number;
  readonly valueId: number;
}

/**
 * The ways `operation` can take effect in state (version, valueId) when
 * `gapAvailable` open unseen writes could be slipped in just before it.
 * Empty when it cannot.
 *
 * Why only "just before": such a write is invisible to everything but
 * versions (no read returns its value), and it may be moved later in any
 * linearization until the next operation that changes the state or looks at
 * the version without a value. So the search never places one alone; each
 * operation picks how many go right before it: exactly the number its
 * reported version needs, or every count when nothing pins it. With the
 * version unknown (a window's start) a gap changes nothing and is skipped:
 * fewer used writes is never worse, they stay available for later.
 */
export function successors(
  version: number,
  valueId: number,
  operation: ModelOperation,
  gapAvailable: number,
): Successor[] {
  const found: Successor[] = [];
  const add = (gap: number, state: RegisterState | undefined) => {
    if (state !== undefined && gap >= 0 && gap <= gapAvailable) found.push({ gap, ...state });
  };
  switch (operation.kind) {
    case "read":
      add(0, readStep(version, valueId, operation));
      break;
    case "write":
      if (version === unknownVersion || operation.version !== unknownVersion) {
        const gap = version === unknownVersion ? 0 : operation.version - 1 - version;
        add(gap, writeStep(version === unknownVersion ? version : version + gap, operation));
      } else {
        for (let gap = 0; gap <= gapAvailable; gap++) add(gap, writeStep(version + gap, operation));
      }
      break;
    case "cas":
      if (version === unknownVersion) add(0, casStep(version, valueId, operation));
      else if (operation.applied)
        add(operation.expectedVersion - version, casStep(operation.expectedVersion, valueId, operation));
      else if (version !== operation.expectedVersion) add(0, casStep(version, valueId, operation));
      else add(1, casStep(version + 1, unseenValue, operation));
      break;
  }
  return found;
}

/** The state after `operation`, or undefined when it cannot apply there; -1 components are unknown. */
function readStep(version: number, valueId: number, operation: ModelOperation): RegisterState | undefined {
  if (version !== unknownVersion && version !== operation.version) return undefined;
  if (valueId !== unknownValue && valueId !== operation.valueId) return undefined;
  return { version: operation.version, valueId: operation.valueId };
}

function writeStep(version: number, operation: ModelOperation): RegisterState | undefined {
  if (operation.version === unknownVersion) {
    return { version: version === unknownVersion ? unknownVersion : version + 1, valueId: operation.valueId };
  }
  if (version !== unknownVersion && version + 1 !== operation.version) return undefined;
  return { version: operation.version, valueId: operation.valueId };
}

function casStep(version: number, valueId: number, operation: ModelOperation): RegisterState | undefined {
  const matches = version === unknownVersion || version === operation.expectedVersion;
  if (operation.applied) {
    if (!matches) return undefined;
    const created = operation.expectedVersion + 1;
    if (operation.version !== unknownVersion && operation.version !== created) return undefined;
    return { version: created, valueId: operation.valueId };
  }
  // A refused cas observed some version other than the expected one.
  if (version === operation.expectedVersion) return undefined;
  return { version, valueId };
}

/** What an operation needs to find, in words, for the report. */
export function requirement(operation: ModelOperation, describeValue: (valueId: number) => string): string {
  switch (operation.kind) {
    case "read":
      return `needs the key at version ${operation.version} holding ${describeValue(operation.valueId)}`;
    case "write":
      return operation.version === unknownVersion
        ? "can apply in any state"
        : `created version ${operation.version}, so needs the key at version ${operation.version - 1}`;
    case "cas":
      return operation.applied
        ? `applied with cas=${operation.expectedVersion}, so needs the key at version ${operation.expectedVersion}`
        : `was refused with cas=${operation.expectedVersion}, so needs the key at any other version`;
  }
}
