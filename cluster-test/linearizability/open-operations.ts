/**
 * The open operations (outcome unknown) of one search, kept apart from the
 * event list: they have no return event, so they never force a backtrack,
 * and the search only needs to know which of them could take effect now.
 *
 * - Interchangeable ones (unseen values, same kind and cas version) form
 *   classes linearized in call order: a count per class says which members
 *   are in. The writes of unseen values are never candidates on their own:
 *   they are slipped in as a "gap" before another operation (model.ts).
 * - A cas class can only apply at exactly its version; versions never go
 *   down, so once the register is past it the class is dead and its count
 *   no longer matters to the future (left out of the cache key).
 * - The rest (writes of values some read returned) sit in a linked list in
 *   call order; a read needs its writer, so few stay out for long.
 */
import { unknownVersion } from "./model.js";
import type { KeyProblem } from "./prepare.js";

export class OpenOperations {
  readonly #problem: KeyProblem;
  /** Per class, how many members (a prefix in call order) are linearized. */
  readonly #linearized: Int32Array;
  /** The class of open writes of unseen values, or -1. */
  readonly #writeClass: number;
  /** cas classes sorted by their version. */
  readonly #casClasses: readonly number[];
  readonly #casClassByVersion: ReadonlyMap<number, number>;
  /** Unclassed open operations not linearized, linked in call order; head is -1's slot at `length`. */
  readonly #next: Int32Array;
  readonly #previous: Int32Array;
  readonly #head: number;

  constructor(problem: KeyProblem) {
    this.#problem = problem;
    this.#linearized = new Int32Array(problem.classes.length);
    const ids = problem.classes.map((_, id) => id);
    this.#writeClass = ids.find((id) => problem.classes[id]!.kind === "write") ?? -1;
    this.#casClasses = ids
      .filter((id) => problem.classes[id]!.kind === "cas")
      .sort((a, b) => problem.classes[a]!.expectedVersion - problem.classes[b]!.expectedVersion);
    this.#casClassByVersion = new Map(this.#casClasses.map((id) => [problem.classes[id]!.expectedVersion, id]));
    const count = problem.operations.length;
    this.#head = count;
    this.#next = new Int32Array(count + 1).fill(-1);
    this.#previous = new Int32Array(count + 1).fill(-1);
    let last = this.#head;
    problem.operations.forEach((operation, index) => {
      if (!operation.open || problem.classOf[index] !== -1) return;
      this.#next[last] = index;
      this.#previous[index] = last;
      last = index;
    });
  }

  /** Open operations that could take effect now, in a fixed order for this configuration. */
  candidates(version: number, frontierMs: number): number[] {
    const found: number[] = [];
    const addHead = (classId: number) => {
      const member = this.#problem.classes[classId]!.members[this.#linearized[classId]!];
      if (member !== undefined && this.#problem.operations[member]!.callMs <= frontierMs) found.push(member);
    };
    if (version === unknownVersion) for (const classId of this.#casClasses) addHead(classId);
    else {
      const classId = this.#casClassByVersion.get(version);
      if (classId !== undefined) addHead(classId);
    }
    for (let index = this.#next[this.#head]!; index !== -1; index = this.#next[index]!) {
      if (this.#problem.operations[index]!.callMs > frontierMs) break;
      found.push(index);
    }
    return found;
  }

  /** How many open writes of unseen values could be slipped in now. */
  gapAvailable(frontierMs: number): number {
    if (this.#writeClass === -1) return 0;
    const members = this.#problem.classes[this.#writeClass]!.members;
    let low = 0;
    let high = members.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.#problem.operations[members[middle]!]!.callMs <= frontierMs) low = middle + 1;
      else high = middle;
    }
    return low - this.#linearized[this.#writeClass]!;
  }

  /** Linearizes the next `count` open writes of unseen values; returns their operation indexes. */
  takeGap(count: number): readonly number[] {
    if (count === 0) return [];
    const used = this.#linearized[this.#writeClass]!;
    this.#linearized[this.#writeClass] = used + count;
    return this.#problem.classes[this.#writeClass]!.members.slice(used, used + count);
  }

  returnGap(count: number): void {
    if (count === 0) return;
    this.#linearized[this.#writeClass] = this.#linearized[this.#writeClass]! - count;
  }

  linearize(index: number): void {
    const classId = this.#problem.classOf[index]!;
    if (classId !== -1) {
      this.#linearized[classId] = this.#linearized[classId]! + 1;
      return;
    }
    const before = this.#previous[index]!;
    const after = this.#next[index]!;
    this.#next[before] = after;
    if (after !== -1) this.#previous[after] = before;
  }

  /** Undoes `linearize(index)`; calls must come in reverse order (the search's stack). */
  restore(index: number): void {
    const classId = this.#problem.classOf[index]!;
    if (classId !== -1) {
      this.#linearized[classId] = this.#linearized[classId]! - 1;
      return;
    }
    this.#next[this.#previous[index]!] = index;
    const after = this.#next[index]!;
    if (after !== -1) this.#previous[after] = index;
  }

  /** Appends what distinguishes this configuration's open operations (for the cache key). */
  appendKey(parts: number[], version: number, frontierMs: number): void {
    parts.push(this.#writeClass === -1 ? 0 : this.#linearized[this.#writeClass]!);
    for (const classId of this.#liveCasClasses(version)) {
      const count = this.#linearized[classId]!;
      if (count > 0) parts.push(classId, count);
    }
    parts.push(-1);
    for (let index = this.#next[this.#head]!; index !== -1; index = this.#next[index]!) {
      if (this.#problem.operations[index]!.callMs > frontierMs) break;
      parts.push(index);
    }
  }

  /** cas classes that may still apply: all while the version is unknown, else those at or above it. */
  #liveCasClasses(version: number): readonly number[] {
    if (version === unknownVersion) return this.#casClasses;
    let low = 0;
    let high = this.#casClasses.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.#problem.classes[this.#casClasses[middle]!]!.expectedVersion < version) low = middle + 1;
      else high = middle;
    }
    return this.#casClasses.slice(low);
  }
}
