/**
 * The Raft log on LevelDB, with the synchronous read side the core needs.
 *
 * Durable layout (keys.ts): one record per entry under "L"+index, and the
 * log start (index and term of the last compacted or snapshotted entry)
 * under "S logstart". The entries on disk are exactly start+1 .. last, with no
 * gaps: every change (append with truncation, compaction, reset to a
 * snapshot) is staged into the caller's `WriteBatch` as puts AND the deletes
 * that keep that invariant, so one batch moves the log from one valid state
 * to the next.
 *
 * In memory: the term of every retained entry (a few bytes each) and a
 * bounded cache of the newest entries. A read that misses the cache uses
 * LevelDB's synchronous get (microseconds) — the core is synchronous.
 *
 * Staging updates the in-memory view at once. That is safe because the
 * driver stages only between the core's `ready()` and `advance()`, when the
 * core reads nothing, and staged entries stay pinned in memory until their
 * batch is written, so no read can reach LevelDB before they are there. If
 * the write fails the store refuses all further use: the node must stop.
 */
import { assert, CofferError } from "../lib/index.js";
import type { Entry, EntryKind, LogIndex, Term } from "../raft/index.js";
import { entryBytes, toLogIndex, toTerm } from "../raft/index.js";
import { ByteReader, ByteWriter } from "./bytes.js";
import { indexOfLogKey, logKey, logRange, logStartKey } from "./keys.js";
import type { NodeDatabase, WriteBatch } from "./node-db.js";

const entryRecordVersion = 1;
const kindCodes: Record<EntryKind, number> = { normal: 0, config: 1 };

export function encodeEntryRecord(entry: Entry): Uint8Array {
  return new ByteWriter(entry.data.byteLength + 16)
    .u8(entryRecordVersion)
    .u8(kindCodes[entry.kind])
    .u64(entry.term)
    .raw(entry.data)
    .finish();
}

export function decodeEntryRecord(index: number, record: Uint8Array): Entry {
  const reader = new ByteReader(record, `log entry ${index}`);
  const version = reader.u8();
  if (version !== entryRecordVersion) throw reader.error(`unknown record version ${version}`);
  const kindCode = reader.u8();
  const kind: EntryKind | undefined = kindCode === 0 ? "normal" : kindCode === 1 ? "config" : undefined;
  if (kind === undefined) throw reader.error(`unknown entry kind ${kindCode}`);
  const term = toTerm(reader.u64());
  // Copy: LevelDB may hand out a view into a larger buffer, and entries are kept.
  const data = reader.raw(reader.remaining).slice();
  return { index: toLogIndex(index), term, kind, data };
}

export interface LogPosition {
  readonly index: LogIndex;
  readonly term: Term;
}

function encodePosition(position: LogPosition): Uint8Array {
  return new ByteWriter(17).u8(1).u64(position.index).u64(position.term).finish();
}

function decodePosition(bytes: Uint8Array): LogPosition {
  const reader = new ByteReader(bytes, "log start");
  if (reader.u8() !== 1) throw reader.error("unknown version");
  const position = { index: toLogIndex(reader.u64()), term: toTerm(reader.u64()) };
  reader.end();
  return position;
}

export interface LogStoreOptions {
  /** Bytes of recent entries kept in memory (by `entryBytes`); older ones are read from LevelDB. */
  readonly entryCacheBytesMax?: number;
}

const defaultEntryCacheBytesMax = 64 * 1024 * 1024;

export class LogStore {
  readonly #db: NodeDatabase;
  readonly #cacheBytesMax: number;
  #start: LogPosition;
  /** #terms[i] is the term of entry start.index + 1 + i. */
  #terms: number[];
  /** Newest entries, oldest first (Map insertion order); bounded by #cacheBytesMax. */
  readonly #cache = new Map<number, Entry>();
  #cacheBytes = 0;
  /** Staged entries whose batch is not written yet: never evicted, so reads never miss them. */
  readonly #unwritten = new Map<number, Entry>();
  #failure: unknown;

  private constructor(db: NodeDatabase, start: LogPosition, terms: number[], cacheBytesMax: number) {
    this.#db = db;
    this.#start = start;
    this.#terms = terms;
    this.#cacheBytesMax = cacheBytesMax;
  }

  /** Loads the log's bounds and terms (and warms the cache) from `db`. */
  static async open(db: NodeDatabase, options: LogStoreOptions = {}): Promise<LogStore> {
    const startBytes = await db.get(logStartKey);
    const start = startBytes ? decodePosition(startBytes) : { index: toLogIndex(0), term: toTerm(0) };
    const store = new LogStore(db, start, [], options.entryCacheBytesMax ?? defaultEntryCacheBytesMax);
    const iterator = db.iterate(logRange(0));
    try {
      for (;;) {
        const page = await iterator.nextMany(256);
        if (page.length === 0) break;
        for (const { key, value } of page) store.#load(indexOfLogKey(key), value);
      }
    } finally {
      await iterator.close();
    }
    return store;
  }

  #load(index: number, record: Uint8Array): void {
    // Keys at or below the start cannot exist (compaction deletes them in its batch); refuse to guess.
    const expected = this.#start.index + 1 + this.#terms.length;
    if (index !== expected) {
      throw new CofferError("internal", `raft log is corrupt: found entry ${index} where ${expected} was expected`);
    }
    const entry = decodeEntryRecord(index, record);
    this.#terms.push(entry.term);
    this.#remember(entry);
  }

  firstIndex(): LogIndex {
    return toLogIndex(this.#start.index + 1);
  }

  lastIndex(): LogIndex {
    return toLogIndex(this.#start.index + this.#terms.length);
  }

  /** The index and term the log starts after (the last compacted or snapshotted entry). */
  start(): LogPosition {
    return this.#start;
  }

  /** The term at `index` for firstIndex()-1 <= index <= lastIndex(); undefined outside. */
  term(index: LogIndex): Term | undefined {
    this.#checkUsable();
    if (index === this.#start.index) return this.#start.term;
    const term = this.#terms[index - this.#start.index - 1];
    return index > this.#start.index && term !== undefined ? toTerm(term) : undefined;
  }

  /** Entries [low, high) within `bytesMax` (at least one); the range must be in the log. */
  entries(low: LogIndex, high: LogIndex, bytesMax: number): readonly Entry[] {
    this.#checkUsable();
    assert(
      low >= this.firstIndex() && low < high && high <= this.lastIndex() + 1,
      `entries(${low}, ${high}) outside ${this.firstIndex()}..${this.lastIndex()}`,
    );
    const out: Entry[] = [];
    let total = 0;
    for (let index = low; index < high; index++) {
      const entry = this.#entryAt(index);
      total += entryBytes(entry);
      if (out.length > 0 && total > bytesMax) break;
      out.push(entry);
    }
    return out;
  }

  /**
   * Stages `entries` (contiguous) for appending: every stored entry at or
   * after `entries[0].index` is replaced or deleted, in the same batch.
   */
  stageAppend(batch: WriteBatch, entries: readonly Entry[]): void {
    this.#checkUsable();
    const first = entries[0];
    if (first === undefined) return;
    const oldLast = this.lastIndex();
    assert(first.index > this.#start.index, `append at ${first.index} at or below the log start ${this.#start.index}`);
    assert(first.index <= oldLast + 1, `append at ${first.index} leaves a gap after ${oldLast}`);
    const previousTerm = this.term(toLogIndex(first.index - 1));
    assert(previousTerm !== undefined && first.term >= previousTerm, `append at ${first.index} goes back in term`);
    this.#terms.length = first.index - this.#start.index - 1;
    for (let index = first.index; index <= oldLast; index++) this.#unwritten.delete(index);
    let expected: number = first.index;
    for (const entry of entries) {
      assert(entry.index === expected, `appended entries must be contiguous (got ${entry.index}, wanted ${expected})`);
      assert(entry.term >= (this.#terms[this.#terms.length - 1] ?? this.#start.term), "terms never decrease in a log");
      expected += 1;
      batch.put(logKey(entry.index), encodeEntryRecord(entry));
      this.#terms.push(entry.term);
      this.#unwritten.set(entry.index, entry);
    }
    const newLast = expected - 1;
    for (let index = newLast + 1; index <= oldLast; index++) batch.del(logKey(index));
    if (first.index <= oldLast) this.#forgetFrom(first.index, oldLast);
    batch.onWritten(() => {
      for (const entry of entries) {
        if (this.#unwritten.get(entry.index) === entry) this.#unwritten.delete(entry.index);
        if (entry.index <= this.lastIndex() && this.#terms[entry.index - this.#start.index - 1] === entry.term) {
          this.#remember(entry);
        }
      }
    });
  }

  /**
   * Stages dropping every entry up to and including `index` (which must be in
   * the log); `index` and its term become the log start. Only call once a
   * snapshot at or above `index` is durable.
   */
  stageCompact(batch: WriteBatch, index: LogIndex): void {
    this.#checkUsable();
    if (index <= this.#start.index) return;
    const term = this.term(index);
    assert(term !== undefined, `compact(${index}) beyond the last index ${this.lastIndex()}`);
    for (let dropped = this.#start.index + 1; dropped <= index; dropped++) {
      batch.del(logKey(dropped));
      this.#forget(dropped);
    }
    this.#terms.splice(0, index - this.#start.index);
    this.#start = { index, term };
    batch.put(logStartKey, encodePosition(this.#start));
  }

  /**
   * Stages replacing the whole log by a snapshot's position (a follower
   * installing the leader's snapshot): every entry is deleted and `position`
   * becomes the log start.
   */
  stageReset(batch: WriteBatch, position: LogPosition): void {
    this.#checkUsable();
    for (let index = this.firstIndex(); index <= this.lastIndex(); index++) {
      batch.del(logKey(index));
      this.#forget(index);
    }
    this.#terms = [];
    this.#start = position;
    batch.put(logStartKey, encodePosition(position));
  }

  /**
   * Marks the store unusable after a failed write of a batch it staged into:
   * memory no longer matches the disk, so the node must stop and reopen.
   */
  fail(error: unknown): void {
    this.#failure ??= error;
  }

  #entryAt(index: number): Entry {
    const known = this.#unwritten.get(index) ?? this.#cache.get(index);
    if (known !== undefined) return known;
    const record = this.#db.getSync(logKey(index));
    if (record === undefined) throw new CofferError("internal", `raft log is corrupt: entry ${index} is missing`);
    return decodeEntryRecord(index, record);
  }

  #remember(entry: Entry): void {
    const size = entryBytes(entry);
    if (size > this.#cacheBytesMax) return;
    this.#forget(entry.index);
    this.#cache.set(entry.index, entry);
    this.#cacheBytes += size;
    for (const [index, oldest] of this.#cache) {
      if (this.#cacheBytes <= this.#cacheBytesMax) break;
      this.#cache.delete(index);
      this.#cacheBytes -= entryBytes(oldest);
    }
  }

  #forget(index: number): void {
    const cached = this.#cache.get(index);
    if (cached === undefined) return;
    this.#cache.delete(index);
    this.#cacheBytes -= entryBytes(cached);
  }

  /** Drops cached entries low..high (a truncated suffix): cost bounded by the suffix, not the cache. */
  #forgetFrom(low: number, high: number): void {
    for (let index = low; index <= high; index++) this.#forget(index);
  }

  #checkUsable(): void {
    if (this.#failure !== undefined) {
      throw new CofferError("unavailable", "raft log store failed a write and must be reopened", {
        cause: this.#failure,
      });
    }
  }
}
