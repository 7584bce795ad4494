/**
 * A disk that models durability: every write lands in the page cache (the
 * live MemoryStorage the core reads) and in a journal; `sync` makes the
 * journal durable. A crash keeps the durable state plus a random prefix of
 * the unsynced journal (a write may or may not have reached the platter).
 */
import type { Entry, HardState, Snapshot } from "../raft/index.js";
import { MemoryStorage, toLogIndex } from "../raft/index.js";
import type { Prng } from "./prng.js";

type Write =
  | { readonly kind: "append"; readonly entries: readonly Entry[] }
  | { readonly kind: "hardState"; readonly hardState: HardState }
  | { readonly kind: "installSnapshot"; readonly snapshot: Snapshot }
  | { readonly kind: "createSnapshot"; readonly snapshot: Snapshot; readonly compactTo: number };

function applyWrite(storage: MemoryStorage, write: Write): void {
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
  }
}

export class SimDisk {
  private durable = new MemoryStorage();
  live = new MemoryStorage();
  private journal: Write[] = [];
  syncCount = 0;

  write(write: Write): void {
    applyWrite(this.live, write);
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
    this.live = this.durable.clone();
  }

  unsyncedWrites(): number {
    return this.journal.length;
  }
}
