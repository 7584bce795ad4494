/**
 * The driver's snapshot work, off the core's loop: taking a snapshot of the
 * FSM (and then asking for the log to be compacted behind it, keeping
 * `trailingLogs`), streaming a stored snapshot to a follower, and storing a
 * leader's snapshot before the core is told about it. None of it touches the
 * core: results come back through the callbacks, which the driver feeds into
 * its loop.
 */
import { CofferError } from "../lib/index.js";
import type { InstallSnapshot, Message, NodeId, SnapshotOutcome } from "../raft/index.js";
import type { NodeStorage } from "./node-storage.js";
import { snapshotIdOf, snapshotReference } from "./node-storage.js";
import type { SnapshotSink } from "./snapshot-store.js";
import type { IncomingSnapshot, Transport } from "./transport/transport.js";

export interface SnapshotWorkOptions {
  readonly storage: NodeStorage;
  readonly transport: Transport;
  readonly snapshotThreshold: number;
  readonly trailingLogs: number;
  /** Hands the core a message (the installSnapshot that refers to a stored snapshot). */
  readonly deliver: (message: Message) => void;
  /** Reports a transfer's outcome to the core (`reportSnapshot`). */
  readonly reportSent: (to: NodeId, outcome: SnapshotOutcome) => void;
  readonly onTaken: (index: number, term: number) => void;
  readonly onError: (error: CofferError) => void;
  readonly stopped: () => boolean;
}

async function fill(sink: SnapshotSink, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    for await (const chunk of chunks) await sink.write(chunk);
  } catch (error) {
    await sink.abort();
    throw error;
  }
}

export class SnapshotWork {
  readonly #options: SnapshotWorkOptions;
  /** Index of the newest snapshot taken or installed here. */
  lastIndex: number;
  /** Compact the log up to here in the next persisted batch (undefined: nothing to do). */
  pendingCompaction: number | undefined;
  #task: Promise<void> | undefined;
  #receiving = false;

  constructor(options: SnapshotWorkOptions) {
    this.#options = options;
    this.lastIndex = options.storage.latestUsableSnapshot()?.meta.index ?? 0;
  }

  /** Starts taking a snapshot if enough entries were applied since the last one and none is under way. */
  maybeTake(appliedIndex: number): void {
    if (this.#task || appliedIndex - this.lastIndex < this.#options.snapshotThreshold) return;
    this.#task = this.#take().finally(() => {
      this.#task = undefined;
    });
  }

  /** Leader: streams the stored snapshot `message` refers to, then reports the outcome. */
  send(message: InstallSnapshot): void {
    const chunks = this.#options.storage.snapshots.read(snapshotIdOf(message.snapshot));
    void this.#options.transport
      .sendSnapshot(message, chunks)
      .then((outcome) => this.#options.reportSent(message.to, outcome));
  }

  /** Follower: stores a leader's snapshot durably, then hands the core a reference to it. */
  async receive(incoming: IncomingSnapshot): Promise<void> {
    if (this.#options.stopped()) throw new CofferError("unavailable", "raft: server is shutting down");
    if (this.#receiving) throw new CofferError("unavailable", "raft: already receiving a snapshot");
    this.#receiving = true;
    try {
      const sink = await this.#options.storage.snapshots.create(incoming.meta);
      await fill(sink, incoming.chunks);
      const stored = await sink.commit();
      const { from, to, term } = incoming;
      this.#options.deliver({ type: "installSnapshot", from, to, term, snapshot: snapshotReference(stored) });
    } finally {
      this.#receiving = false;
    }
  }

  /** Resolves once no snapshot is being taken (before the storage closes). */
  async idle(): Promise<void> {
    await this.#task;
  }

  async #take(): Promise<void> {
    const { fsm, snapshots, log } = this.#options.storage;
    try {
      const view = await fsm.openSnapshot();
      if (view.meta.index <= this.lastIndex) {
        await view.chunks.return(undefined);
        return;
      }
      const sink = await snapshots.create(view.meta);
      await fill(sink, view.chunks);
      const stored = await sink.commit();
      this.lastIndex = stored.meta.index;
      const compactTo = stored.meta.index - this.#options.trailingLogs;
      if (compactTo > log.start().index) this.pendingCompaction = compactTo;
      this.#options.onTaken(stored.meta.index, stored.meta.term);
    } catch (error) {
      // Retried after the next threshold's worth of entries; the log is kept meanwhile.
      if (!this.#options.stopped())
        this.#options.onError(new CofferError("internal", "raft: snapshot failed", { cause: error }));
    }
  }
}
