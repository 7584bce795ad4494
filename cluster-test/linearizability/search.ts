/**
 * Wing & Gong's linearizability search with Lowe's memoization, as Porcupine
 * does it: call and return events of one key's completed operations sit in a
 * doubly linked list in time order; the search walks it from the head,
 * linearizing an operation at its call event when the model allows (lifting
 * both its events out of the list), and backtracks when it meets the return
 * event of an operation it has not linearized. A configuration — the set of
 * linearized operations plus the register state — is searched once: a cache
 * of them prunes every repeat.
 *
 * Open operations (outcome unknown) have no return event: they never force
 * a backtrack and need never be linearized. They are tried only after every
 * completed operation at the same point, so the search assumes "did not
 * happen (yet)" first (open-operations.ts; the open writes of unseen values
 * are slipped in as gaps, model.ts).
 *
 * The cache key names the linearized set compactly: the first return event
 * still in the list (every operation returning before it is linearized,
 * none invoked after it is), the completed operations invoked before it and
 * not linearized, and the open operations' counts and stragglers.
 *
 * Bounded: a deadline and a cache budget (approximate bytes). Hitting
 * either ends the search with "unknown" — never with a pass.
 */
import type { RegisterState } from "./model.js";
import { successors } from "./model.js";
import { OpenOperations } from "./open-operations.js";
import type { KeyProblem } from "./prepare.js";

export interface SearchLimits {
  /** Absolute deadline on the `performance.now()` clock. */
  readonly deadlineMs: number;
  /** Approximate bytes the configuration cache may hold. */
  readonly cacheBytesMax: number;
}

export type SearchVerdict = "linearizable" | "non-linearizable" | "unknown";

export interface SearchResult {
  readonly verdict: SearchVerdict;
  /** Set when the verdict is unknown. */
  readonly limit?: "time" | "memory";
  /** A linearization (indexes into problem.operations) when linearizable. */
  readonly order?: readonly number[];
  /**
   * The latest first-unlinearized-return time any configuration reached: every
   * prefix of the history ending before it is linearizable (explain.ts).
   */
  readonly furthestFrontierMs: number;
  readonly configurations: number;
  readonly steps: number;
}

/** Called once per new configuration in exhaustive mode (see explain.ts). */
export type ConfigurationVisitor = (configuration: {
  /** Time of the earliest return event not yet linearized; Infinity when none is left. */
  readonly frontierMs: number;
  readonly state: RegisterState;
  /** Open writes of unseen values that could still be slipped in before the next operation. */
  readonly gapAvailable: number;
  /** The linearized operations, in order (indexes into problem.operations); valid during the call only. */
  readonly order: readonly number[];
}) => void;

const checkEverySteps = 2048;
/** Rough per-entry overhead of a Set<string> entry beyond the string's characters. */
const cacheEntryOverheadBytes = 64;

class EventList {
  readonly time: Float64Array;
  readonly operation: Int32Array;
  readonly isReturn: Uint8Array;
  readonly next: Int32Array;
  readonly previous: Int32Array;
  readonly callEvent: Int32Array;
  readonly returnEvent: Int32Array;
  /** The sentinel: next[head] is the first event, -1 ends the list. */
  readonly head: number;

  constructor(problem: KeyProblem) {
    const events: { time: number; operation: number; isReturn: boolean }[] = [];
    problem.operations.forEach((operation, index) => {
      if (operation.open) return;
      events.push({ time: operation.callMs, operation: index, isReturn: false });
      events.push({ time: operation.returnMs, operation: index, isReturn: true });
    });
    // Equal times: calls first, so touching operations count as concurrent (never a false failure).
    events.sort((a, b) => a.time - b.time || Number(a.isReturn) - Number(b.isReturn) || a.operation - b.operation);
    const count = events.length;
    this.head = count;
    this.time = new Float64Array(count);
    this.operation = new Int32Array(count);
    this.isReturn = new Uint8Array(count);
    this.next = new Int32Array(count + 1);
    this.previous = new Int32Array(count + 1);
    this.callEvent = new Int32Array(problem.operations.length).fill(-1);
    this.returnEvent = new Int32Array(problem.operations.length).fill(-1);
    events.forEach((event, index) => {
      this.time[index] = event.time;
      this.operation[index] = event.operation;
      this.isReturn[index] = event.isReturn ? 1 : 0;
      if (event.isReturn) this.returnEvent[event.operation] = index;
      else this.callEvent[event.operation] = index;
      this.next[index] = index + 1 < count ? index + 1 : -1;
      this.previous[index] = index === 0 ? this.head : index - 1;
    });
    this.next[this.head] = count > 0 ? 0 : -1;
    this.previous[this.head] = -1;
  }

  #unlink(event: number): void {
    const before = this.previous[event]!;
    const after = this.next[event]!;
    this.next[before] = after;
    if (after !== -1) this.previous[after] = before;
  }

  #relink(event: number): void {
    const before = this.previous[event]!;
    const after = this.next[event]!;
    this.next[before] = event;
    if (after !== -1) this.previous[after] = event;
  }

  /** Removes a completed operation's events (return first, so `restore` can undo in reverse). */
  lift(operation: number): void {
    this.#unlink(this.returnEvent[operation]!);
    this.#unlink(this.callEvent[operation]!);
  }

  restore(operation: number): void {
    this.#relink(this.callEvent[operation]!);
    this.#relink(this.returnEvent[operation]!);
  }

  /** The first return event still in the list (-1 when none): every operation returning earlier is linearized. */
  frontier(): number {
    let event = this.next[this.head]!;
    while (event !== -1 && this.isReturn[event] === 0) event = this.next[event]!;
    return event;
  }

  frontierMs(): number {
    const event = this.frontier();
    return event === -1 ? Number.POSITIVE_INFINITY : this.time[event]!;
  }
}

export function searchKey(problem: KeyProblem, limits: SearchLimits, visitor?: ConfigurationVisitor): SearchResult {
  return new Search(problem, limits, visitor).run();
}

/** What the search undoes on backtracking: one linearized operation and the gap before it. */
interface Frame {
  readonly operation: number;
  readonly alternative: number;
  readonly gap: number;
  readonly version: number;
  readonly valueId: number;
}

class Search {
  readonly #problem: KeyProblem;
  readonly #limits: SearchLimits;
  readonly #visitor: ConfigurationVisitor | undefined;
  readonly #events: EventList;
  readonly #open: OpenOperations;
  readonly #cache = new Set<string>();
  #cacheBytes = 0;
  readonly #frames: Frame[] = [];
  /** Linearized operations in order, gap writes included (for visitors and the result). */
  readonly #order: number[] = [];
  #version: number;
  #valueId: number;
  #remainingCompleted: number;
  #steps = 0;
  #sawLinearization = false;
  #furthestFrontierMs = Number.NEGATIVE_INFINITY;

  constructor(problem: KeyProblem, limits: SearchLimits, visitor: ConfigurationVisitor | undefined) {
    this.#problem = problem;
    this.#limits = limits;
    this.#visitor = visitor;
    this.#events = new EventList(problem);
    this.#open = new OpenOperations(problem);
    this.#version = problem.initial.version;
    this.#valueId = problem.initial.valueId;
    this.#remainingCompleted = problem.operations.filter((operation) => !operation.open).length;
  }

  /**
   * Phase 0 walks the calls of completed operations before the first return
   * event; phase 1 then tries the open operations that could apply there.
   * After a backtrack the popped operation's next alternative comes first.
   */
  run(): SearchResult {
    const events = this.#events;
    const exhaustive = this.#visitor !== undefined;
    this.#remember();
    this.#visit();
    let cursor = events.next[events.head]!;
    let openCandidates: number[] | undefined;
    let openPosition = 0;
    let retry: Frame | undefined;
    for (;;) {
      if (++this.#steps % checkEverySteps === 0 && performance.now() > this.#limits.deadlineMs) {
        return this.#result("unknown", "time");
      }
      if (this.#remainingCompleted === 0) {
        // Every completed operation has a place: a linearization. Exhaustive mode explores on.
        if (!exhaustive) return this.#result("linearizable");
        this.#sawLinearization = true;
      }
      let chosen: number;
      let firstAlternative = 0;
      if (retry !== undefined) {
        chosen = retry.operation;
        firstAlternative = retry.alternative + 1;
        retry = undefined;
      } else if (openCandidates === undefined) {
        if (cursor === -1 || events.isReturn[cursor] === 1) {
          openCandidates = this.#open.candidates(this.#version, events.frontierMs());
          openPosition = 0;
          continue;
        }
        chosen = events.operation[cursor]!;
        cursor = events.next[cursor]!;
      } else if (openPosition < openCandidates.length) {
        chosen = openCandidates[openPosition++]!;
      } else {
        retry = this.#backtrack();
        if (retry === undefined) return this.#result(this.#sawLinearization ? "linearizable" : "non-linearizable");
        if (this.#problem.operations[retry.operation]!.open) {
          openCandidates = this.#open.candidates(this.#version, events.frontierMs());
          openPosition = openCandidates.indexOf(retry.operation) + 1;
        } else {
          openCandidates = undefined;
          cursor = events.next[events.callEvent[retry.operation]!]!;
        }
        continue;
      }
      if (this.#tryLinearize(chosen, firstAlternative)) {
        if (this.#cacheBytes > this.#limits.cacheBytesMax) return this.#result("unknown", "memory");
        cursor = events.next[events.head]!;
        openCandidates = undefined;
      }
    }
  }

  /** Linearizes an operation (trying its ways from `firstAlternative`) when legal and new; false changes nothing. */
  #tryLinearize(index: number, firstAlternative: number): boolean {
    const operation = this.#problem.operations[index]!;
    const gapAvailable = this.#open.gapAvailable(this.#events.frontierMs());
    const ways = successors(this.#version, this.#valueId, operation, gapAvailable);
    for (let alternative = firstAlternative; alternative < ways.length; alternative++) {
      const way = ways[alternative]!;
      const frame: Frame = {
        operation: index,
        alternative,
        gap: way.gap,
        version: this.#version,
        valueId: this.#valueId,
      };
      const gapMembers = this.#open.takeGap(way.gap);
      this.#lift(index);
      this.#version = way.version;
      this.#valueId = way.valueId;
      if (this.#remember()) {
        this.#frames.push(frame);
        this.#order.push(...gapMembers, index);
        if (!operation.open) this.#remainingCompleted--;
        this.#visit();
        return true;
      }
      this.#undo(frame);
    }
    return false;
  }

  #lift(index: number): void {
    if (this.#problem.operations[index]!.open) this.#open.linearize(index);
    else this.#events.lift(index);
  }

  #undo(frame: Frame): void {
    this.#version = frame.version;
    this.#valueId = frame.valueId;
    if (this.#problem.operations[frame.operation]!.open) this.#open.restore(frame.operation);
    else this.#events.restore(frame.operation);
    this.#open.returnGap(frame.gap);
  }

  /** Undoes the last linearization and returns it, or undefined when nothing is left to undo. */
  #backtrack(): Frame | undefined {
    const frame = this.#frames.pop();
    if (frame === undefined) return undefined;
    this.#undo(frame);
    this.#order.length -= frame.gap + 1;
    if (!this.#problem.operations[frame.operation]!.open) this.#remainingCompleted++;
    return frame;
  }

  /** Adds the current configuration to the cache; false when it was already there. */
  #remember(): boolean {
    const key = this.#configurationKey();
    if (this.#cache.has(key)) return false;
    this.#cache.add(key);
    this.#cacheBytes += key.length + cacheEntryOverheadBytes;
    return true;
  }

  /**
   * Names the configuration: register state, first return event, the
   * completed operations invoked before it but not linearized, and the open
   * operations' part. Joined once into a flat string (cheap to hash and hold).
   */
  #configurationKey(): string {
    const events = this.#events;
    const parts: number[] = [this.#version, this.#valueId];
    let event = events.next[events.head]!;
    while (event !== -1 && events.isReturn[event] === 0) {
      parts.push(events.operation[event]!);
      event = events.next[event]!;
    }
    parts.push(-1, event, -1);
    const frontierMs = event === -1 ? Number.POSITIVE_INFINITY : events.time[event]!;
    if (frontierMs > this.#furthestFrontierMs) this.#furthestFrontierMs = frontierMs;
    this.#open.appendKey(parts, this.#version, frontierMs);
    return parts.join(",");
  }

  #visit(): void {
    if (this.#visitor === undefined) return;
    const frontierMs = this.#events.frontierMs();
    this.#visitor({
      frontierMs,
      state: { version: this.#version, valueId: this.#valueId },
      gapAvailable: this.#open.gapAvailable(frontierMs),
      order: this.#order,
    });
  }

  #result(verdict: SearchVerdict, limit?: "time" | "memory"): SearchResult {
    return {
      verdict,
      ...(limit === undefined ? {} : { limit }),
      ...(verdict === "linearizable" ? { order: [...this.#order] } : {}),
      furthestFrontierMs: this.#furthestFrontierMs,
      configurations: this.#cache.size,
      steps: this.#steps,
    };
  }
}
