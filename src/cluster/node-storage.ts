/**
 * Everything a Raft server keeps on disk, opened and made consistent in one
 * place: `<dataDir>/node.db` (one LevelDB: log, hard state, FSM) and
 * `<dataDir>/snapshots/`. Also the `LogStorage` view the core reads.
 *
 * Recovery on open: if the FSM is behind the log's start (a crash after the
 * log was reset to a received snapshot but before the FSM was restored from
 * it), the FSM is restored from the snapshot the log starts at. Then the
 * committed entries the FSM had applied only in memory before a crash (up
 * to the stored commit index) are applied again and written, so a server
 * that stays sealed (reading its FSM without running Raft) sees every write
 * committed as of its last written batch. That may lack what it applied in
 * the last moments before the crash: a commit index alone is written with
 * the next batch (stable-store.ts), as an unsynced write could always be
 * lost to a power failure. Nothing acknowledged is lost: it is in a majority
 * of logs, and the core applies it once Raft runs. Anything else out of
 * order is corruption and refuses to open.
 */
import { join } from "node:path";
import { CofferError } from "../lib/index.js";
import type { Configuration, InitialState, LogIndex, LogStorage, Snapshot, SnapshotMeta } from "../raft/index.js";
import { bootstrapLog, emptySnapshotMeta, toLogIndex } from "../raft/index.js";
import { fromUtf8, utf8 } from "./bytes.js";
import { Fsm } from "./fsm.js";
import { LogStore, type LogStoreOptions } from "./log-store.js";
import { NodeDatabase, WriteBatch } from "./node-db.js";
import { SnapshotStore, type StoredSnapshot } from "./snapshot-store.js";
import { StableStore } from "./stable-store.js";

/** Bytes of log entries applied per batch when replaying on open. */
const replayBatchBytes = 1024 * 1024;

export interface NodeStorageOptions extends LogStoreOptions {
  readonly dataDir: string;
  readonly snapshotRetain?: number;
  /** For a founding server of a new cluster: the first configuration, written if the log is empty. */
  readonly bootstrap?: Configuration;
}

/** A snapshot's `data` as the core carries it: the id of a stored snapshot, resolved by the driver. */
export function snapshotReference(stored: StoredSnapshot): Snapshot {
  return { meta: stored.meta, data: utf8(stored.id) };
}

export function snapshotIdOf(snapshot: Snapshot): string {
  return fromUtf8(snapshot.data);
}

export class NodeStorage implements LogStorage {
  readonly db: NodeDatabase;
  readonly log: LogStore;
  readonly stable: StableStore;
  readonly fsm: Fsm;
  readonly snapshots: SnapshotStore;

  private constructor(db: NodeDatabase, log: LogStore, stable: StableStore, fsm: Fsm, snapshots: SnapshotStore) {
    this.db = db;
    this.log = log;
    this.stable = stable;
    this.fsm = fsm;
    this.snapshots = snapshots;
  }

  static async open(options: NodeStorageOptions): Promise<NodeStorage> {
    const db = await NodeDatabase.open(join(options.dataDir, "node.db"));
    try {
      const snapshots = await SnapshotStore.open(join(options.dataDir, "snapshots"), {
        ...(options.snapshotRetain === undefined ? {} : { retain: options.snapshotRetain }),
      });
      const log = await LogStore.open(db, options);
      const stable = await StableStore.open(db);
      const fsm = await Fsm.open(db);
      const storage = new NodeStorage(db, log, stable, fsm, snapshots);
      // However many snapshots arrive, the one the log starts from stays.
      snapshots.protect((snapshot) => snapshot === storage.latestUsableSnapshot());
      if (options.bootstrap && log.lastIndex() === 0 && stable.hardState().term === 0) {
        await storage.#bootstrap(options.bootstrap);
      }
      await storage.#recover();
      return storage;
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  async #bootstrap(configuration: Configuration): Promise<void> {
    const { hardState, entries } = bootstrapLog(configuration);
    const batch = new WriteBatch();
    this.log.stageAppend(batch, entries);
    this.stable.stageHardState(batch, hardState);
    await this.db.write(batch, { sync: true });
  }

  async #recover(): Promise<void> {
    const start = this.log.start();
    const applied = this.fsm.applied();
    if (applied.index > this.log.lastIndex()) {
      throw new CofferError(
        "internal",
        `FSM applied ${applied.index} beyond the log's last index ${this.log.lastIndex()}`,
      );
    }
    if (applied.index >= start.index) return this.#replayCommitted();
    const snapshot = this.latestUsableSnapshot();
    if (!snapshot) {
      throw new CofferError(
        "internal",
        `FSM at ${applied.index} is behind the log start ${start.index} and no snapshot covers it`,
      );
    }
    await this.fsm.restore(this.snapshots.read(snapshot.id));
    await this.#replayCommitted();
  }

  /** Applies (and writes, synced) the stored committed entries the FSM's written state lacks. */
  async #replayCommitted(): Promise<void> {
    const commit = Math.min(this.stable.hardState().commit, this.log.lastIndex());
    for (let next = this.fsm.applied().index + 1; next <= commit; ) {
      const page = this.log.entries(toLogIndex(next), toLogIndex(commit + 1), replayBatchBytes);
      await this.fsm.apply(page, { sync: true });
      next += page.length;
    }
  }

  /**
   * The newest stored snapshot our log continues: it covers the compacted
   * prefix and agrees with the log at its index. A snapshot received but
   * never installed (a crash in between, or one the core found stale) does
   * not qualify unless our log holds the same entry.
   */
  latestUsableSnapshot(): StoredSnapshot | undefined {
    const start = this.log.start().index;
    const last = this.log.lastIndex();
    return this.snapshots
      .list()
      .find(({ meta }) => meta.index >= start && meta.index <= last && this.log.term(meta.index) === meta.term);
  }

  initialState(): InitialState {
    return { hardState: this.stable.hardState(), snapshotMeta: this.latestUsableSnapshot()?.meta ?? this.#startMeta() };
  }

  term(index: LogIndex) {
    return this.log.term(index);
  }

  entries(low: LogIndex, high: LogIndex, bytesMax: number) {
    return this.log.entries(low, high, bytesMax);
  }

  firstIndex(): LogIndex {
    return this.log.firstIndex();
  }

  lastIndex(): LogIndex {
    return this.log.lastIndex();
  }

  snapshot(): Snapshot | null {
    const stored = this.latestUsableSnapshot();
    return stored ? snapshotReference(stored) : null;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** With no snapshot, the log must start at 0 (never compacted). */
  #startMeta(): SnapshotMeta {
    const start = this.log.start();
    if (start.index !== 0) throw new CofferError("internal", `log starts at ${start.index} but no snapshot covers it`);
    return emptySnapshotMeta;
  }
}
