/**
 * A disk that models durability: every write lands in the page cache (the
 * live state: the MemoryStorage the core reads and the state machine's
 * record) and in a journal; `sync` makes the journal durable. A crash keeps
 * the durable state plus a random prefix of the unsynced journal (a write
 * may or may not have reached the platter before power was lost).
 *
 * The state machine's state lives on the same disk, as the real FSM shares
 * one LevelDB with the log: applying does not sync, so after a crash the FSM
 * may be behind what it applied (and applies those entries again).
 */
import type { Entry, HardState, Snapshot } from "../raft/index.js";
import { MemoryStorage, toLogIndex } from "../raft/index.js";
import type { Prng } from "./prng.js";

export interface FsmRecord {
  readonly appliedIndex: number;
  readonly hash: number;
}

type Write =
  | { readonly kind: "append"; readonly entries: readonly Entry[] }
  | { readonly kind: "hardState"; readonly hardState: HardState }
  | { readonly kind: "installSnapshot"; readonly snapshot: Snapshot }
  | { readonly kind: "createSnapshot"; readonly snapshot: Snapshot; readonly compactTo: number }
  | { readonly kind: "fsm"; readonly record: FsmRecord };

interface DiskState {
  storage: MemoryStorage;
  fsm: FsmRecord;
}

function applyWrite(state: DiskState, write: Write): void {
  const { storage } = state;
  switch (write.kind) {
    case "append":
      storage.append(write.entries);
      return;
    case "hardState":
      storage.setHardState(write.hardState);
      return;
    case "installSnapshot":
      storage.applySnapshot(write.snapshot);
      return;
    case "createSnapshot":
      storage.createSnapshot(write.snapshot);
      storage.compact(toLogIndex(write.compactTo));
      return;
    case "fsm":
      state.fsm = write.record;
      return;
  }
}

export class SimDisk {
  private readonly durable: DiskState = { storage: new MemoryStorage(), fsm: { appliedIndex: 0, hash: 0 } };
  private readonly current: DiskState = { storage: new MemoryStorage(), fsm: { appliedIndex: 0, hash: 0 } };
  private journal: Write[] = [];
  syncCount = 0;

  /** The log as the page cache has it: what the core reads. */
  get live(): MemoryStorage {
    return this.current.storage;
  }

  get fsm(): FsmRecord {
    return this.current.fsm;
  }

  write(write: Write): void {
    applyWrite(this.current, write);
    this.journal.push(write);
  }

  sync(): void {
    for (const write of this.journal) applyWrite(this.durable, write);
    this.journal = [];
    this.syncCount += 1;
  }

  /** Power loss: what survives is the durable state and some prefix of the unsynced writes. */
  crash(random: Prng): void {
    const survivors = random.int(this.journal.length + 1);
    for (const write of this.journal.slice(0, survivors)) applyWrite(this.durable, write);
    this.journal = [];
    this.current.storage = this.durable.storage.clone();
    this.current.fsm = this.durable.fsm;
  }
}
