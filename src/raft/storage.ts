/**
 * The narrow, synchronous interface through which the core reads what the
 * driver persisted. The core never writes through it: the driver applies
 * each Ready to its durable store and then updates what this interface
 * returns, before calling `advance()`.
 *
 * It is synchronous because the core is. A driver over an asynchronous store
 * (LevelDB) keeps an in-memory mirror of the retained log tail, e.g. a
 * `MemoryStorage` updated after each durable write and rebuilt from disk on
 * start, exactly as the simulator does.
 */
import { assert } from "../lib/index.js";
import type { Entry, HardState, LogIndex, Snapshot, SnapshotMeta, Term } from "./types.js";
import { toLogIndex, toTerm } from "./types.js";

export interface InitialState {
  /** The last persisted hard state; term 0, no vote, commit 0 on a fresh server. */
  readonly hardState: HardState;
  /** The latest snapshot's metadata; index 0, term 0, no servers when there is none. */
  readonly snapshotMeta: SnapshotMeta;
}

export interface LogStorage {
  initialState(): InitialState;
  /**
   * The term of the entry at `index` for firstIndex()-1 <= index <= lastIndex()
   * (at firstIndex()-1: the term of the last compacted entry, or of the
   * snapshot); undefined outside that range.
   */
  term(index: LogIndex): Term | undefined;
  /**
   * Entries [low, high), where firstIndex() <= low < high <= lastIndex()+1.
   * Stops before the total of `entryBytes` would exceed `bytesMax`, but always
   * returns at least one entry.
   */
  entries(low: LogIndex, high: LogIndex, bytesMax: number): readonly Entry[];
  /** The first index still in the log; lastIndex()+1 when the log is empty. */
  firstIndex(): LogIndex;
  lastIndex(): LogIndex;
  /**
   * The latest snapshot, to send to a follower that needs compacted entries;
   * null means "not available yet, ask again later" (one is being made).
   */
  snapshot(): Snapshot | null;
}

/** Fixed per-entry overhead counted against byte limits, so empty entries are not free. */
export const entryOverheadBytes = 16;

export function entryBytes(entry: Entry): number {
  return entry.data.byteLength + entryOverheadBytes;
}

/** Longest prefix of `entries` within `bytesMax` (and at least one entry). */
export function limitBytes(entries: readonly Entry[], bytesMax: number): readonly Entry[] {
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    total += entryBytes(entry);
    if (i > 0 && total > bytesMax) return entries.slice(0, i);
  }
  return entries;
}

export const emptySnapshotMeta: SnapshotMeta = {
  index: toLogIndex(0),
  term: toTerm(0),
  configuration: { servers: [] },
};

export const emptyHardState: HardState = { term: toTerm(0), votedFor: "", commit: toLogIndex(0) };

/**
 * An in-memory LogStorage: the simulator's and the tests' store, and the
 * mirror a durable driver keeps. Holds the log from the compaction point on;
 * `boundary` is the last compacted index and its term (the "entry before the
 * first" whose term the core asks for).
 */
export class MemoryStorage implements LogStorage {
  private hardState: HardState = emptyHardState;
  private latestSnapshot: Snapshot = { meta: emptySnapshotMeta, data: new Uint8Array() };
  private boundaryIndex = 0;
  private boundaryTerm = 0;
  /** entries[i] has index boundaryIndex + 1 + i. */
  private log: Entry[] = [];

  initialState(): InitialState {
    return { hardState: this.hardState, snapshotMeta: this.latestSnapshot.meta };
  }

  term(index: LogIndex): Term | undefined {
    if (index === this.boundaryIndex) return toTerm(this.boundaryTerm);
    return this.entryAt(index)?.term;
  }

  entries(low: LogIndex, high: LogIndex, bytesMax: number): readonly Entry[] {
    assert(
      low >= this.firstIndex() && low < high && high <= this.lastIndex() + 1,
      `entries(${low}, ${high}) out of range`,
    );
    const start = low - this.boundaryIndex - 1;
    return limitBytes(this.log.slice(start, start + (high - low)), bytesMax);
  }

  firstIndex(): LogIndex {
    return toLogIndex(this.boundaryIndex + 1);
  }

  lastIndex(): LogIndex {
    return toLogIndex(this.boundaryIndex + this.log.length);
  }

  snapshot(): Snapshot | null {
    return this.latestSnapshot;
  }

  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  /** Appends entries, first dropping every stored entry at or after `entries[0].index`. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    assert(
      first.index > this.boundaryIndex,
      `append at ${first.index} below the compaction point ${this.boundaryIndex}`,
    );
    assert(first.index <= this.lastIndex() + 1, `append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    this.log.length = first.index - this.boundaryIndex - 1;
    for (const entry of entries) {
      assert(entry.index === this.lastIndex() + 1, "appended entries must be contiguous");
      this.log.push(entry);
    }
  }

  /** Replaces the whole log with `snapshot` (a follower restoring a leader's snapshot). */
  applySnapshot(snapshot: Snapshot): void {
    assert(snapshot.meta.index >= this.latestSnapshot.meta.index, "snapshot older than the stored one");
    this.latestSnapshot = snapshot;
    this.boundaryIndex = snapshot.meta.index;
    this.boundaryTerm = snapshot.meta.term;
    this.log = [];
  }

  /**
   * Records a snapshot the FSM took at `meta.index` (<= lastIndex). The log is
   * kept; call `compact` to drop entries below it.
   */
  createSnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    assert(index >= this.latestSnapshot.meta.index, "snapshot older than the stored one");
    assert(index <= this.lastIndex(), `snapshot at ${index} beyond the last index ${this.lastIndex()}`);
    assert(this.term(index) === term, `snapshot term ${term} differs from the log's at ${index}`);
    this.latestSnapshot = snapshot;
  }

  /** Drops entries below `index`, which becomes the boundary (its term is kept). Needs a snapshot at or above it. */
  compact(index: LogIndex): void {
    if (index <= this.boundaryIndex) return;
    assert(index <= this.lastIndex(), `compact(${index}) beyond the last index ${this.lastIndex()}`);
    assert(
      index <= this.latestSnapshot.meta.index,
      `compact(${index}) beyond the snapshot ${this.latestSnapshot.meta.index}`,
    );
    const term = this.term(index);
    assert(term !== undefined, "boundary term known");
    this.log = this.log.slice(index - this.boundaryIndex);
    this.boundaryIndex = index;
    this.boundaryTerm = term;
  }

  /** An independent copy (entries are immutable, so they are shared). */
  clone(): MemoryStorage {
    const copy = new MemoryStorage();
    copy.hardState = this.hardState;
    copy.latestSnapshot = this.latestSnapshot;
    copy.boundaryIndex = this.boundaryIndex;
    copy.boundaryTerm = this.boundaryTerm;
    copy.log = [...this.log];
    return copy;
  }

  private entryAt(index: number): Entry | undefined {
    if (index <= this.boundaryIndex) return undefined;
    return this.log[index - this.boundaryIndex - 1];
  }
}
