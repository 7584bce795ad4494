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
 * Reads (`get`, `list`) see only what a written batch made visible. They are
 * local: linearizability is the caller's business (readIndex first).
 */
import { assert, CofferError, limits } from "../lib/index.js";
import { childOf } from "../physical/index.js";
import type { Configuration, Entry, SnapshotMeta } from "../raft/index.js";
import { decodeConfigEntry, toLogIndex, toTerm } from "../raft/index.js";
import { ByteReader, ByteWriter, concatBytes, fromUtf8, startsWithBytes, utf8 } from "./bytes.js";
import { decodeCommand } from "./fsm-command.js";
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
  /** What written batches made visible. */
  #applied: LogPosition;
  #configuration: ConfigurationAt;
  /** What staged batches will make visible: entries are checked against it. */
  #stagedApplied: LogPosition;
  #restoring = false;

  private constructor(db: NodeDatabase, generation: number, applied: LogPosition, configuration: ConfigurationAt) {
    this.#db = db;
    this.#generation = generation;
    this.#applied = applied;
    this.#stagedApplied = applied;
    this.#configuration = configuration;
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

  /** The last entry whose effects are visible (and durable once its batch was synced). */
  applied(): LogPosition {
    return this.#applied;
  }

  configuration(): ConfigurationAt {
    return this.#configuration;
  }

  /**
   * Stages committed `entries` (in log order, continuing from the applied
   * index) into `batch`: their operations, the new applied index and any new
   * configuration, all in that one batch. Entries at or below the applied
   * index are skipped, so delivering one twice cannot apply it twice.
   */
  stageApply(batch: WriteBatch, entries: readonly Entry[]): void {
    assert(!this.#restoring, "no apply during a restore");
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
    });
  }

  /** Applies `entries` in a batch of their own (tests, and drivers that do not group writes). */
  async apply(entries: readonly Entry[], options: { readonly sync: boolean }): Promise<void> {
    const batch = new WriteBatch();
    this.stageApply(batch, entries);
    await this.#db.write(batch, options);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.#db.get(fsmDataKey(this.#generation, key));
  }

  /** Immediate children of `prefix`, as physical.Backend.list answers. */
  async list(prefix: string): Promise<string[]> {
    const generation = this.#generation;
    const prefixBytes = concatBytes(fsmDataPrefix(generation), utf8(prefix));
    const children: string[] = [];
    const iterator = this.#db.iterateKeys({ gte: prefixBytes, lt: fsmGenerationRange(generation).lt });
    try {
      for (;;) {
        const key = await iterator.next();
        if (key === undefined || !startsWithBytes(key, prefixBytes)) break;
        const child = childOf(prefix, fromUtf8(key.subarray(fsmDataPrefixBytes)));
        children.push(child);
        // Skip the whole sub-tree: "dir0" sorts right after every "dir/...".
        if (child.endsWith("/")) iterator.seek(fsmDataKey(generation, `${prefix}${child.slice(0, -1)}0`));
      }
    } finally {
      await iterator.close();
    }
    return children;
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
