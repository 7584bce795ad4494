/**
 * Test support: a terse way to write histories by hand, and a generator of
 * histories from a sequential execution (for property tests and the
 * checker benchmark).
 */
import type { Call, Operation, Outcome, Result } from "./history.js";

type Span = readonly [invokeMs: number, returnMs: number];

/** Builds a history one operation at a time; ids are assigned in order from 0. */
export class HistoryBuilder {
  readonly operations: Operation[] = [];

  #add(client: string, key: string, call: Call, [invokeMs, returnMs]: Span, outcome: Outcome): number {
    const id = this.operations.length;
    this.operations.push({ id, client, key, call, invokeMs, returnMs, outcome });
    return id;
  }

  read(client: string, key: string, span: Span, version: number, value: string | null): number {
    return this.#add(client, key, { kind: "read" }, span, ok({ kind: "read", version, value }));
  }

  write(client: string, key: string, value: string, span: Span, version?: number): number {
    return this.#add(client, key, { kind: "write", value }, span, ok({ kind: "write", version }));
  }

  cas(client: string, key: string, expectedVersion: number, value: string, span: Span, applied: boolean): number {
    const result: Result = applied
      ? { kind: "cas", applied: true, version: expectedVersion + 1 }
      : { kind: "cas", applied: false };
    return this.#add(client, key, { kind: "cas", expectedVersion, value }, span, ok(result));
  }

  unknown(client: string, key: string, call: Call, span: Span, reason = "timed out"): number {
    return this.#add(client, key, call, span, { status: "unknown", reason });
  }

  failed(client: string, key: string, call: Call, span: Span, reason = "refused"): number {
    return this.#add(client, key, call, span, { status: "failed", reason });
  }
}

function ok(result: Result): Outcome {
  return { status: "ok", result };
}

/** One step of a generated sequential execution. */
export interface GeneratedStep {
  readonly key: number;
  readonly kind: "read" | "write" | "cas";
  /** cas only: expected version = current version + offset (0 makes it apply). */
  readonly casOffset: number;
  /** How long before / after its linearization point the client saw it start / end. */
  readonly leadMs: number;
  readonly lagMs: number;
  /**
   * ok: happened and returned. unknown: happened, outcome unknown. phantom: an
   * unknown write that never happened. refused: a failed write that never happened.
   */
  readonly fate: "ok" | "unknown" | "phantom" | "refused";
}

export interface GeneratedHistory {
  readonly operations: Operation[];
  /** Per key, the value each version holds (index = version). */
  readonly versions: ReadonlyMap<string, readonly (string | null)[]>;
}

/**
 * Runs the steps one after another on real registers (linearization point of
 * step i at i * spacingMs) and records what clients would have seen, with
 * invocation and return spread around that point so neighbours overlap.
 * The result is linearizable by construction.
 */
export function historyFromSequentialRun(steps: readonly GeneratedStep[], spacingMs = 10): GeneratedHistory {
  const versions = new Map<string, (string | null)[]>();
  const operations: Operation[] = [];
  steps.forEach((generated, index) => {
    const key = `k${generated.key}`;
    const register = versions.get(key) ?? [null];
    versions.set(key, register);
    const pointMs = 1000 + index * spacingMs;
    const invokeMs = pointMs - generated.leadMs;
    const returnMs = pointMs + generated.lagMs;
    const client = `c${index % 5}`;
    const value = `v${index}`;
    const id = operations.length;
    const base = { id, client, key, invokeMs, returnMs };
    const current = register.length - 1;
    if (generated.fate === "phantom" || generated.fate === "refused") {
      const call: Call = { kind: "write", value };
      const outcome: Outcome =
        generated.fate === "phantom"
          ? { status: "unknown", reason: "timed out" }
          : { status: "failed", reason: "refused" };
      operations.push({ ...base, call, outcome });
      return;
    }
    const { call, result } = applyStep(generated, register, current, value);
    const outcome: Outcome =
      generated.fate === "unknown" && call.kind !== "read"
        ? { status: "unknown", reason: "timed out" }
        : { status: "ok", result };
    operations.push({ ...base, call, outcome });
  });
  return { operations, versions };
}

function applyStep(
  generated: GeneratedStep,
  register: (string | null)[],
  current: number,
  value: string,
): { call: Call; result: Result } {
  switch (generated.kind) {
    case "read":
      return { call: { kind: "read" }, result: { kind: "read", version: current, value: register[current] ?? null } };
    case "write":
      register.push(value);
      return { call: { kind: "write", value }, result: { kind: "write", version: current + 1 } };
    case "cas": {
      const expectedVersion = Math.max(0, current + generated.casOffset);
      const call: Call = { kind: "cas", expectedVersion, value };
      if (expectedVersion !== current) return { call, result: { kind: "cas", applied: false } };
      register.push(value);
      return { call, result: { kind: "cas", applied: true, version: current + 1 } };
    }
  }
}
