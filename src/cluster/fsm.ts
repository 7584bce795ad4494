/**
 * The replicated state machine: the physical key/value state every node
 * builds by applying committed entries, served to reads with the semantics of
 * physical.Backend.
 *
 * Crash safety rests on LevelDB batches (node-db.ts):
 *  - applying entries stages their operations AND the applied (index, term)
 *    (and, for a config entry, the configuration) into ONE batch, so after a
 *    crash the state and the applied index agree: nothing is applied twice
 *    and nothing is skipped;
 *  - the data lives under a generation number (keys.ts). A restore fills a
 *    fresh generation, verifies the snapshot's checksum, and only then one
 *    synced batch switches the generation, the applied index and the
 *    configuration. A crash before that switch leaves the old state whole;
 *    the half-written generation is unreachable and cleared on open.
 *
 * Applying committed entries goes to memory first (`applyInMemory`, an
 * overlay of pending puts and deletes, fsm-overlay.ts): the driver
 * acknowledges a proposal once it is committed and applied there, and writes
 * the overlay (`stageFlush`) in a later synced batch, together with its log
 * append when it has one. Why that loses nothing:
 *  - an entry is acknowledged only once committed: synced in the Raft logs
 *    of a majority, the leader's own copy counting only once synced. The FSM
 *    is a function of the log, so the overlay is a cache of it;
 *  - the overlay is written only in synced batches, its effects together
 *    with the applied index they reach, so LevelDB always holds the exact
 *    state after some applied index A (the state after A, never a mixture):
 *    an unsynced batch could vanish on power loss while a later synced one
 *    survives (LevelDB does not sync a log file it rotates away from), so no
 *    FSM write is ever unsynced;
 *  - after any crash (kill -9 or power loss) the overlay is gone and the FSM
 *    is at A; the entries after A are still in the log (compaction never
 *    passes a snapshot, which is taken from the written state, so never
 *    passes A) and are applied again, in order, on open up to the stored
 *    commit index and by the core beyond it. Puts and deletes replayed in
 *    order over the state after A give exactly the state after each later
 *    index: nothing is applied twice or skipped.
 *
 * Reads (`get`, `list`) see the overlay over what written batches made
 * visible. They are local: linearizability is the caller's business
 * (readIndex first).
 */
import { assert, CofferError, limits } from "../lib/index.js";
import { childOf, compareKeys } from "../physical/index.js";
import type { Configuration, Entry, SnapshotMeta } from "../raft/index.js";
import { decodeConfigEntry, toLogIndex, toTerm } from "../raft/index.js";
import { ByteReader, ByteWriter, concatBytes, fromUtf8, startsWithBytes, utf8 } from "./bytes.js";
import { decodeCommand } from "./fsm-command.js";
import { FsmOverlay } from "./fsm-overlay.js";
import {
  appliedKey,
  configurationKey,
  fsmDataKey,
  fsmDataPrefix,
  fsmDataPrefixBytes,
  fsmDataRange,
  fsmGenerationRange,
  generationKey,
  generationMax,
} from "./keys.js";
import type { LogPosition } from "./log-store.js";
import { type NodeDatabase, WriteBatch } from "./node-db.js";
import {
  decodeSnapshotMeta,
  encodeSnapshot,
  encodeSnapshotMeta,
  SnapshotDecoder,
  type SnapshotRecord,
} from "./snapshot-format.js";

/** A configuration and the index of the entry (or snapshot) that set it. */
export interface ConfigurationAt {
  readonly index: number;
  readonly configuration: Configuration;
}

/** An open, consistent view of the FSM to stream as a snapshot. */
export interface FsmSnapshot {
  readonly meta: SnapshotMeta;
  /** The snapshot's bytes (snapshot-format.ts). Consume it to the end, or `return()` it, to release the view. */
  readonly chunks: AsyncGenerator<Uint8Array>;
}

const emptyConfiguration: ConfigurationAt = { index: 0, configuration: { servers: [] } };
const restoreBatchBytes = 1024 * 1024;

function encodePosition(position: LogPosition): Uint8Array {
  return new ByteWriter(17).u8(1).u64(position.index).u64(position.term).finish();
}

function decodePosition(bytes: Uint8Array): LogPosition {
  const reader = new ByteReader(bytes, "FSM applied index");
  if (reader.u8() !== 1) throw reader.error("unknown version");
  const position = { index: toLogIndex(reader.u64()), term: toTerm(reader.u64()) };
  reader.end();
  return position;
}

function encodeConfigurationAt(value: ConfigurationAt): Uint8Array {
  return encodeSnapshotMeta({ index: toLogIndex(value.index), term: toTerm(0), configuration: value.configuration });
}

function decodeConfigurationAt(bytes: Uint8Array): ConfigurationAt {
  const meta = decodeSnapshotMeta(bytes);
  return { index: meta.index, configuration: meta.configuration };
}

function decodeGeneration(bytes: Uint8Array): number {
  const reader = new ByteReader(bytes, "FSM generation");
  const generation = reader.u32();
  reader.end();
  return generation;
}

export class Fsm {
  readonly #db: NodeDatabase;
  #generation: number;
  /** What written batches made visible (durable once synced; every FSM batch is). */
  #applied: LogPosition;
  #configuration: ConfigurationAt;
  /** What staged batches will make visible: entries are checked against it. */
  #stagedApplied: LogPosition;
  readonly #overlay = new FsmOverlay();
  /** What reads see: the written state with the overlay over it. */
  #visibleApplied: LogPosition;
  #visibleConfiguration: ConfigurationAt;
  #restoring = false;

  private constructor(db: NodeDatabase, generation: number, applied: LogPosition, configuration: ConfigurationAt) {
    this.#db = db;
    this.#generation = generation;
    this.#applied = applied;
    this.#stagedApplied = applied;
    this.#configuration = configuration;
    this.#visibleApplied = applied;
    this.#visibleConfiguration = configuration;
  }

  static async open(db: NodeDatabase): Promise<Fsm> {
    const [generationBytes, appliedBytes, configurationBytes] = await Promise.all([
      db.get(generationKey),
      db.get(appliedKey),
      db.get(configurationKey),
    ]);
    const generation = generationBytes ? decodeGeneration(generationBytes) : 0;
    const applied = appliedBytes ? decodePosition(appliedBytes) : { index: toLogIndex(0), term: toTerm(0) };
    const configuration = configurationBytes ? decodeConfigurationAt(configurationBytes) : emptyConfiguration;
    // Generations other than the current one are leftovers of an interrupted restore or cleanup.
    const current = fsmGenerationRange(generation);
    await db.clear({ gte: fsmDataRange.gte, lt: current.gte });
    await db.clear({ gte: current.lt, lt: fsmDataRange.lt });
    return new Fsm(db, generation, applied, configuration);
  }

  /** The last entry whose effects reads see (in the overlay or written). */
  applied(): LogPosition {
    return this.#visibleApplied;
  }

  /** The last entry whose effects are written to LevelDB (a restart begins here). */
  writtenApplied(): LogPosition {
    return this.#applied;
  }

  configuration(): ConfigurationAt {
    return this.#visibleConfiguration;
  }

  /** Whether applied effects wait in memory for a flush. */
  hasUnflushed(): boolean {
    return this.#visibleApplied.index > this.#applied.index;
  }

  /** Memory the unflushed effects hold. */
  get unflushedBytes(): number {
    return this.#overlay.bytes;
  }

  /**
   * Applies committed `entries` (in log order, continuing from what reads
   * see) to memory: reads see them at once; `stageFlush` writes them.
   * Entries at or below the applied index are skipped.
   */
  applyInMemory(entries: readonly Entry[]): void {
    assert(!this.#restoring, "no apply during a restore");
    let last = this.#visibleApplied;
    for (const entry of entries) {
      if (entry.index <= last.index) continue;
      assert(entry.index === last.index + 1, `apply of entry ${entry.index} after ${last.index} skips entries`);
      if (entry.kind === "normal") {
        for (const op of decodeCommand(entry.data, `raft entry ${entry.index}`)) {
          if (op.type === "put") this.#overlay.put(op.key, op.value);
          else this.#overlay.delete(op.key);
        }
      } else {
        this.#visibleConfiguration = {
          index: entry.index,
          configuration: decodeConfigEntry(entry.data).configuration,
        };
      }
      last = { index: entry.index, term: entry.term };
    }
    this.#visibleApplied = last;
  }

  /**
   * Stages everything applied in memory into `batch`, which must be written
   * synced: the effects, the applied index they reach and the configuration,
   * together. Returns false (staging nothing) when nothing is unflushed. Once
   * the batch is written the flushed effects leave the overlay (reads then
   * find them in LevelDB).
   */
  stageFlush(batch: WriteBatch): boolean {
    assert(!this.#restoring, "no flush during a restore");
    if (!this.hasUnflushed()) return false;
    assert(this.#stagedApplied.index === this.#applied.index, "one FSM batch in flight at a time");
    const effects = this.#overlay.stage();
    const applied = this.#visibleApplied;
    const configuration = this.#visibleConfiguration;
    const generation = this.#generation;
    for (const [key, effect] of effects) {
      if (effect.value === undefined) batch.del(fsmDataKey(generation, key));
      else batch.put(fsmDataKey(generation, key), effect.value);
    }
    batch.put(appliedKey, encodePosition(applied));
    if (configuration.index > this.#configuration.index) {
      batch.put(configurationKey, encodeConfigurationAt(configuration));
    }
    this.#stagedApplied = applied;
    batch.onWritten(() => {
      // A restore in between replaced everything (and cleared the overlay): nothing to settle.
      if (this.#generation !== generation) return;
      if (applied.index > this.#applied.index) this.#applied = applied;
      if (configuration.index > this.#configuration.index) this.#configuration = configuration;
      this.#overlay.settle(effects);
    });
    return true;
  }

  /**
   * Stages committed `entries` (in log order, continuing from the applied
   * index) into `batch`: their operations, the new applied index and any new
   * configuration, all in that one batch. Entries at or below the applied
   * index are skipped, so delivering one twice cannot apply it twice.
   */
  stageApply(batch: WriteBatch, entries: readonly Entry[]): void {
    assert(!this.#restoring, "no apply during a restore");
    assert(!this.hasUnflushed(), "stageApply with effects in memory: flush them first");
    let last = this.#stagedApplied;
    let configuration: ConfigurationAt | undefined;
    for (const entry of entries) {
      if (entry.index <= last.index) continue;
      assert(entry.index === last.index + 1, `apply of entry ${entry.index} after ${last.index} skips entries`);
      if (entry.kind === "normal") {
        for (const op of decodeCommand(entry.data, `raft entry ${entry.index}`)) {
          const key = fsmDataKey(this.#generation, op.key);
          if (op.type === "put") batch.put(key, op.value);
          else batch.del(key);
        }
      } else {
        configuration = { index: entry.index, configuration: decodeConfigEntry(entry.data).configuration };
      }
      last = { index: entry.index, term: entry.term };
    }
    if (last === this.#stagedApplied) return;
    batch.put(appliedKey, encodePosition(last));
    if (configuration) batch.put(configurationKey, encodeConfigurationAt(configuration));
    this.#stagedApplied = last;
    batch.onWritten(() => {
      if (last.index > this.#applied.index) this.#applied = last;
      if (configuration && configuration.index > this.#configuration.index) this.#configuration = configuration;
      if (last.index > this.#visibleApplied.index) this.#visibleApplied = last;
      if (configuration && configuration.index > this.#visibleConfiguration.index) {
        this.#visibleConfiguration = configuration;
      }
    });
  }

  /** Applies `entries` and writes them in a batch of their own (recovery on open, tests). */
  async apply(entries: readonly Entry[], options: { readonly sync: boolean }): Promise<void> {
    this.applyInMemory(entries);
    const batch = new WriteBatch();
    this.stageFlush(batch);
    await this.#db.write(batch, options);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const pending = this.#overlay.lookup(key);
    // A copy, as LevelDB hands out: the caller may mutate it, the overlay must not change.
    if (pending) return pending.value?.slice();
    // Not pending now; a flush that wrote it removed it from the overlay only after LevelDB had it.
    // A synchronous read: a point lookup is a few microseconds from LevelDB's
    // caches, while the async form costs a thread-pool round trip on every
    // read of every request (token, existence check, data).
    return this.#db.getSync(fsmDataKey(this.#generation, key));
  }

  /**
   * Immediate children of `prefix`, as physical.Backend.list answers, in
   * UTF-8 byte order: LevelDB's keys with the overlay's puts and deletes
   * over them. The overlay is copied in the same synchronous step that opens
   * the iterator (which reads a LevelDB snapshot), so the two agree.
   */
  async list(prefix: string): Promise<string[]> {
    const generation = this.#generation;
    const pending = this.#overlay.under(prefix);
    const deleted = new Set<string>();
    for (const [key, effect] of pending) if (effect.value === undefined) deleted.add(key);
    const prefixBytes = concatBytes(fsmDataPrefix(generation), utf8(prefix));
    const children = new Set<string>();
    const iterator = this.#db.iterateKeys({ gte: prefixBytes, lt: fsmGenerationRange(generation).lt });
    try {
      for (;;) {
        const key = await iterator.next();
        if (key === undefined || !startsWithBytes(key, prefixBytes)) break;
        const path = fromUtf8(key.subarray(fsmDataPrefixBytes));
        // A key deleted in memory is no child; a sibling under the same sub-tree may still make one.
        if (deleted.has(path)) continue;
        const child = childOf(prefix, path);
        children.add(child);
        // Skip the whole sub-tree: "dir0" sorts right after every "dir/...".
        if (child.endsWith("/")) iterator.seek(fsmDataKey(generation, `${prefix}${child.slice(0, -1)}0`));
      }
    } finally {
      await iterator.close();
    }
    // LevelDB lists in byte order already; only children the overlay adds need sorting in.
    const listed = children.size;
    for (const [key, effect] of pending) if (effect.value !== undefined) children.add(childOf(prefix, key));
    return children.size === listed ? [...children] : [...children].sort(compareKeys);
  }

  /**
   * Opens a consistent view of the FSM (one LevelDB snapshot) and streams it.
   * The metadata (applied index and term, configuration) is read from the
   * same view as the data, so they agree by construction.
   */
  async openSnapshot(chunkBytes: number = limits.snapshotChunkBytes): Promise<FsmSnapshot> {
    const view = this.#db.snapshot();
    try {
      const [generationBytes, appliedBytes, configurationBytes] = await Promise.all([
        this.#db.get(generationKey, { snapshot: view }),
        this.#db.get(appliedKey, { snapshot: view }),
        this.#db.get(configurationKey, { snapshot: view }),
      ]);
      const generation = generationBytes ? decodeGeneration(generationBytes) : 0;
      const applied = appliedBytes ? decodePosition(appliedBytes) : { index: toLogIndex(0), term: toTerm(0) };
      const configuration = configurationBytes ? decodeConfigurationAt(configurationBytes) : emptyConfiguration;
      const meta: SnapshotMeta = {
        index: applied.index,
        term: applied.term,
        configuration: configuration.configuration,
      };
      const db = this.#db;
      async function* records(): AsyncGenerator<SnapshotRecord> {
        const iterator = db.iterate(fsmGenerationRange(generation), { snapshot: view });
        try {
          for (;;) {
            const page = await iterator.nextMany(512);
            if (page.length === 0) return;
            for (const { key, value } of page) yield { key: key.subarray(fsmDataPrefixBytes), value };
          }
        } finally {
          await iterator.close();
        }
      }
      async function* chunks(): AsyncGenerator<Uint8Array> {
        try {
          yield* encodeSnapshot(meta, records(), chunkBytes);
        } finally {
          await view.close();
        }
      }
      return { meta, chunks: chunks() };
    } catch (error) {
      await view.close();
      throw error;
    }
  }

  /**
   * Replaces the whole state with a snapshot stream. The data goes into a
   * fresh generation; nothing becomes visible until the checksum is verified
   * and one synced batch switches generation, applied index and
   * configuration together. Returns the snapshot's metadata.
   */
  async restore(chunks: AsyncIterable<Uint8Array>): Promise<SnapshotMeta> {
    assert(!this.#restoring, "one restore at a time");
    assert(this.#generation < generationMax, "FSM generations exhausted");
    this.#restoring = true;
    const next = this.#generation + 1;
    try {
      await this.#db.clear(fsmGenerationRange(next));
      const decoder = new SnapshotDecoder();
      let batch = new WriteBatch();
      for await (const chunk of chunks) {
        for (const item of decoder.push(chunk)) {
          if (item.type !== "record") continue;
          batch.put(concatBytes(fsmDataPrefix(next), item.record.key), item.record.value);
          if (batch.bytes >= restoreBatchBytes) {
            // Synced: LevelDB does not sync a log file it rotates away from, so
            // only synced writes are sure to precede the switch on disk.
            await this.#db.write(batch, { sync: true });
            batch = new WriteBatch();
          }
        }
      }
      decoder.finish();
      const meta = decoder.meta;
      assert(meta !== undefined, "a finished snapshot has metadata");
      const previous = this.#generation;
      const applied: LogPosition = { index: meta.index, term: meta.term };
      const configuration: ConfigurationAt = { index: meta.index, configuration: meta.configuration };
      batch.put(generationKey, new ByteWriter(4).u32(next).finish());
      batch.put(appliedKey, encodePosition(applied));
      batch.put(configurationKey, encodeConfigurationAt(configuration));
      batch.onWritten(() => {
        this.#generation = next;
        this.#applied = applied;
        this.#stagedApplied = applied;
        this.#configuration = configuration;
        // Whatever was applied in memory lies below the snapshot (it is only installed past our commit index).
        this.#overlay.clear();
        this.#visibleApplied = applied;
        this.#visibleConfiguration = configuration;
      });
      await this.#db.write(batch, { sync: true });
      // The old generation is unreachable now; reads already in flight hold their own LevelDB snapshot.
      await this.#db.clear(fsmGenerationRange(previous));
      return meta;
    } catch (error) {
      // The half-filled generation stays unreachable; the next restore or open clears it.
      if (error instanceof CofferError) throw error;
      throw new CofferError("internal", "FSM restore failed", { cause: error });
    } finally {
      this.#restoring = false;
    }
  }
}
