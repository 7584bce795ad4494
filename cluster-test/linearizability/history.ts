/**
 * What a client history is: one record per operation a client started, with
 * the time it was invoked, the time the client saw its outcome, and that
 * outcome told honestly.
 *
 * - `ok`: the operation took effect exactly once, somewhere between its
 *   invocation and its return, and returned `result`.
 * - `failed`: the operation definitely did not take effect (the server
 *   refused it before applying anything). The checker ignores it.
 * - `unknown`: the client cannot tell (a timeout, a dropped connection, a
 *   5xx after the request was sent). It may have taken effect at any time
 *   after its invocation — also long after the client gave up — or never.
 *
 * A compare-and-set whose version did not match is an `ok` operation with
 * `applied: false`: it observed the register, which the checker uses.
 */

export type Call =
  | { readonly kind: "read" }
  | { readonly kind: "write"; readonly value: string }
  | { readonly kind: "cas"; readonly expectedVersion: number; readonly value: string };

export type Result =
  /** `version` 0 with `value` null: the key was never written (a 404). */
  | { readonly kind: "read"; readonly version: number; readonly value: string | null }
  /** The version the write created, when the server said so. */
  | { readonly kind: "write"; readonly version: number | undefined }
  | { readonly kind: "cas"; readonly applied: true; readonly version: number | undefined }
  | { readonly kind: "cas"; readonly applied: false };

export type Outcome =
  | { readonly status: "ok"; readonly result: Result }
  | { readonly status: "failed"; readonly reason: string }
  | { readonly status: "unknown"; readonly reason: string };

export interface Operation {
  /** Unique within the history; the report names operations by it. */
  readonly id: number;
  readonly client: string;
  readonly key: string;
  readonly call: Call;
  readonly invokeMs: number;
  /**
   * When the client saw the outcome (for `unknown`: when it gave up, kept for
   * the report only — the checker treats an unknown operation as open-ended).
   */
  readonly returnMs: number;
  readonly outcome: Outcome;
}

export type History = readonly Operation[];

/** A history that cannot be checked because it is malformed; names the operation. */
export class HistoryError extends Error {
  override readonly name = "HistoryError";
}

/** Refuses a malformed history with a HistoryError naming the first bad operation. */
export function validateHistory(history: History): void {
  const ids = new Set<number>();
  for (const operation of history) {
    const problem = operationProblem(operation);
    if (problem !== undefined) throw new HistoryError(`operation ${operation.id}: ${problem}`);
    if (ids.has(operation.id)) throw new HistoryError(`operation ${operation.id}: duplicate id`);
    ids.add(operation.id);
  }
}

function operationProblem(operation: Operation): string | undefined {
  if (!Number.isFinite(operation.invokeMs)) return "invokeMs is not a finite number";
  if (!Number.isFinite(operation.returnMs)) return "returnMs is not a finite number";
  if (operation.returnMs < operation.invokeMs) return "returns before it is invoked";
  if (operation.call.kind === "cas" && !isVersion(operation.call.expectedVersion)) {
    return "cas expectedVersion is not a non-negative integer";
  }
  if (operation.outcome.status !== "ok") return undefined;
  const result = operation.outcome.result;
  if (result.kind !== operation.call.kind) return `a ${operation.call.kind} returned a ${result.kind} result`;
  if (result.kind === "read") {
    if (!isVersion(result.version)) return "read version is not a non-negative integer";
    if ((result.version === 0) !== (result.value === null)) return "a read sees value null exactly at version 0";
    return undefined;
  }
  if (result.kind === "write" || result.applied) {
    if (result.version !== undefined && !(isVersion(result.version) && result.version > 0)) {
      return "the version a write created must be a positive integer";
    }
  }
  return undefined;
}

function isVersion(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Recording side: a client calls `invoke` before sending, then exactly one of ok/failed/unknown. */
export interface PendingOperation {
  ok(result: Result): void;
  failed(reason: string): void;
  unknown(reason: string): void;
}

/**
 * Collects a history from concurrent clients in one process, with one clock.
 * Operations still pending when the history is taken count as unknown.
 */
export class HistoryRecorder {
  readonly #clock: () => number;
  readonly #operations: Operation[] = [];
  readonly #pending = new Map<number, Omit<Operation, "returnMs" | "outcome">>();
  #nextId = 0;

  constructor(clock: () => number = () => performance.now()) {
    this.#clock = clock;
  }

  invoke(client: string, key: string, call: Call): PendingOperation {
    const id = this.#nextId++;
    this.#pending.set(id, { id, client, key, call, invokeMs: this.#clock() });
    const finish = (outcome: Outcome) => this.#finish(id, outcome);
    return {
      ok: (result) => finish({ status: "ok", result }),
      failed: (reason) => finish({ status: "failed", reason }),
      unknown: (reason) => finish({ status: "unknown", reason }),
    };
  }

  #finish(id: number, outcome: Outcome): void {
    const started = this.#pending.get(id);
    if (started === undefined) throw new HistoryError(`operation ${id} finished twice`);
    this.#pending.delete(id);
    this.#operations.push({ ...started, returnMs: this.#clock(), outcome });
  }

  /** The history so far, in invocation order; pending operations appear as unknown. */
  history(): Operation[] {
    const now = this.#clock();
    const pending = [...this.#pending.values()].map(
      (started): Operation => ({ ...started, returnMs: now, outcome: { status: "unknown", reason: "still pending" } }),
    );
    return [...this.#operations, ...pending].sort((a, b) => a.invokeMs - b.invokeMs || a.id - b.id);
  }
}
