/**
 * The core's view of its log: what the driver has persisted (read through
 * `LogStorage`) followed by what the core appended since the last Ready
 * (`unstable`), plus the commit and applied indexes.
 *
 * Invariants: applied <= committed <= lastIndex(); firstIndex()-1 <= applied;
 * unstable entries are contiguous from `unstableOffset`; an unstable snapshot,
 * when present, is what the log begins after.
 */
import { assert } from "../lib/index.js";
import type { LogStorage } from "./storage.js";
import { limitBytes } from "./storage.js";
import type { Entry, Snapshot, Term } from "./types.js";
import { toLogIndex } from "./types.js";

/** What the log hands a Ready and forgets at `advance` (the driver persisted it by then). */
export interface UnstableLog {
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
}

export class RaftLog {
  committed: number;
  applied: number;
  private unstableSnapshot: Snapshot | null = null;
  private unstableEntries: Entry[] = [];
  /** Index of unstableEntries[0] (or where the next one would go). */
  private unstableOffset: number;

  /** `onAppend` sees every run of entries written to the log, starting at the truncation point. */
  constructor(
    private readonly storage: LogStorage,
    private readonly onAppend: (entries: readonly Entry[]) => void,
  ) {
    const { hardState } = storage.initialState();
    this.unstableOffset = storage.lastIndex() + 1;
    this.committed = hardState.commit;
    this.applied = storage.firstIndex() - 1;
    assert(
      this.committed <= this.lastIndex(),
      `stored commit ${this.committed} beyond the last index ${this.lastIndex()}`,
    );
  }

  firstIndex(): number {
    return this.unstableSnapshot ? this.unstableSnapshot.meta.index + 1 : this.storage.firstIndex();
  }

  lastIndex(): number {
    if (this.unstableEntries.length > 0) return this.unstableOffset + this.unstableEntries.length - 1;
    if (this.unstableSnapshot) return this.unstableSnapshot.meta.index;
    return this.storage.lastIndex();
  }

  /**
   * The last index the driver has persisted: entries after it were handed out
   * in a Ready (or not yet) and count as durable only once `advance()` says
   * so. A leader counts itself in the commit quorum up to here (thesis
   * §10.2.1: it may send entries before its own write completes).
   */
  persistedLastIndex(): number {
    return this.unstableOffset - 1;
  }

  /** The term at `index`, or undefined when it is compacted away or beyond the end. */
  term(index: number): Term | undefined {
    if (index > this.lastIndex() || index < 0) return undefined;
    if (index >= this.unstableOffset) return this.unstableEntries[index - this.unstableOffset]?.term;
    if (this.unstableSnapshot) {
      return index === this.unstableSnapshot.meta.index ? this.unstableSnapshot.meta.term : undefined;
    }
    return this.storage.term(toLogIndex(index));
  }

  lastTerm(): Term {
    const term = this.term(this.lastIndex());
    assert(term !== undefined, "the last entry's term is always known");
    return term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Entries [low, high) within `bytesMax` (at least one), or null when `low` is compacted. */
  entries(low: number, high: number, bytesMax: number): readonly Entry[] | null {
    if (low < this.firstIndex()) return null;
    assert(high <= this.lastIndex() + 1, `entries up to ${high} beyond the last index ${this.lastIndex()}`);
    if (low >= high) return [];
    const fromStorage =
      low < this.unstableOffset
        ? this.storage.entries(toLogIndex(low), toLogIndex(Math.min(high, this.unstableOffset)), bytesMax)
        : [];
    const storageEnd = low + fromStorage.length;
    if (storageEnd < Math.min(high, this.unstableOffset)) return fromStorage; // the byte bound cut it short
    if (storageEnd >= high) return fromStorage;
    const start = Math.max(low, this.unstableOffset) - this.unstableOffset;
    const fromUnstable = this.unstableEntries.slice(start, high - this.unstableOffset);
    if (fromStorage.length === 0) return limitBytes(fromUnstable, bytesMax);
    return limitBytes([...fromStorage, ...fromUnstable], bytesMax);
  }

  /** Appends entries at the end or over a conflicting uncommitted suffix; returns the new last index. */
  append(entries: readonly Entry[]): number {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    assert(first.index > this.committed, `append at ${first.index} would overwrite committed ${this.committed}`);
    assert(first.index <= this.lastIndex() + 1, `append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    if (first.index === this.unstableOffset + this.unstableEntries.length) {
      this.unstableEntries.push(...entries);
    } else if (first.index <= this.unstableOffset) {
      // Replaces stored entries too: the Ready's entries then start below the
      // stored last index, which tells the driver to truncate there.
      this.unstableOffset = first.index;
      this.unstableEntries = [...entries];
    } else {
      this.unstableEntries = [...this.unstableEntries.slice(0, first.index - this.unstableOffset), ...entries];
    }
    this.onAppend(entries);
    return this.lastIndex();
  }

  /**
   * Follower side of AppendEntries (Raft §5.3): if our log holds
   * (prevIndex, prevTerm), append what is new in `entries`, dropping a
   * conflicting suffix, commit up to min(commit, last new index), and return
   * that last new index; otherwise null.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNewIndex = prevIndex + entries.length;
    const conflictIndex = this.findConflict(entries);
    if (conflictIndex !== 0) {
      assert(conflictIndex > this.committed, `entry ${conflictIndex} conflicts with committed ${this.committed}`);
      this.append(entries.slice(conflictIndex - prevIndex - 1));
    }
    this.commitTo(Math.min(commit, lastNewIndex));
    return lastNewIndex;
  }

  /** Index of the first entry that is new or whose term differs from ours; 0 when all are present. */
  private findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    return 0;
  }

  /**
   * For a rejection hint: the largest index <= `index` whose term is <= `term`
   * (with that term), so the leader can skip every entry of a term we do not
   * share. A compacted index answers term 0 ("unknown").
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let candidate = index; candidate > 0; candidate--) {
      const ourTerm = this.term(candidate);
      if (ourTerm === undefined) return { index: candidate, term: 0 };
      if (ourTerm <= term) return { index: candidate, term: ourTerm };
    }
    return { index: 0, term: 0 };
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(
      index <= this.lastIndex(),
      `commit ${index} beyond the last index ${this.lastIndex()}: log lost or corrupted`,
    );
    this.committed = index;
  }

  /** Raft §5.4.2: a leader commits by counting replicas only for an entry of its own term. */
  maybeCommit(index: number, term: number): boolean {
    if (index <= this.committed || this.term(index) !== term) return false;
    this.commitTo(index);
    return true;
  }

  appliedTo(index: number): void {
    assert(
      index <= this.committed && index >= this.applied,
      `applied ${index} outside [${this.applied}, ${this.committed}]`,
    );
    this.applied = index;
  }

  /** Committed entries not yet handed out for applying, within `bytesMax`. */
  nextCommittedEntries(bytesMax: number): readonly Entry[] {
    const low = Math.max(this.applied + 1, this.firstIndex());
    if (low > this.committed) return [];
    const entries = this.entries(low, this.committed + 1, bytesMax);
    assert(entries !== null, "committed entries above applied are never compacted");
    return entries;
  }

  /** Replaces the log with `snapshot`, which is committed by definition (a follower catching up, Raft §7). */
  restore(snapshot: Snapshot): void {
    assert(snapshot.meta.index > this.committed, "restoring a snapshot at or below the commit index");
    this.unstableSnapshot = snapshot;
    this.unstableEntries = [];
    this.unstableOffset = snapshot.meta.index + 1;
    this.committed = snapshot.meta.index;
  }

  /** The snapshot to send a follower that needs compacted entries; null while the driver is making one. */
  snapshotForFollower(): Snapshot | null {
    return this.unstableSnapshot ?? this.storage.snapshot();
  }

  unstable(): UnstableLog {
    return { snapshot: this.unstableSnapshot, entries: this.unstableEntries };
  }

  hasUnstable(): boolean {
    return this.unstableSnapshot !== null || this.unstableEntries.length > 0;
  }

  /** The driver persisted everything `unstable()` returned; storage now serves it. */
  markStable(): void {
    if (this.unstableSnapshot) this.applied = Math.max(this.applied, this.unstableSnapshot.meta.index);
    this.unstableOffset = this.lastIndex() + 1;
    this.unstableSnapshot = null;
    this.unstableEntries = [];
    assert(this.storage.lastIndex() === this.unstableOffset - 1, "storage does not hold what the last Ready persisted");
  }

  /** Term at `index` for a caller that knows it is present. */
  termAt(index: number): Term {
    const term = this.term(index);
    assert(term !== undefined, `no term known at ${index}`);
    return term;
  }
}
