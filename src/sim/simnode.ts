/**
 * One simulated server: a RaftNode over a SimDisk, a SimStateMachine, and a
 * driver loop that follows the Ready contract (raft/ready.ts) in two halves,
 * as the real driver does around its awaited LevelDB write:
 *
 *   begin:  send messagesBeforePersist, write the Ready to the disk (page
 *           cache and journal, not yet durable)
 *   (the disk's latency passes: other servers run, messages arrive and wait,
 *    and a crash now loses whatever part of the write the disk had not made
 *    durable)
 *   finish: sync, send messages, apply, advance
 *
 * A Ready with nothing to sync finishes at once. The driver reports every
 * observable effect to the checker.
 */
import type { Message, NodeId, RaftConfig, Ready, Snapshot, UnsafeTestFaults } from "../raft/index.js";
import { RaftNode, toLogIndex } from "../raft/index.js";
import type { LogView, SafetyChecker } from "./checker.js";
import { SimDisk } from "./disk.js";
import { SimStateMachine } from "./fsm.js";
import type { Prng } from "./prng.js";

/** Deliberate defects of the simulated driver, for tests proving the checkers can fail. */
export interface DriverFaults {
  /** Send every message (acknowledgements, votes) when the write begins, before it is synced. */
  readonly ackBeforeSync?: boolean;
}

export interface SimNodeOptions {
  readonly id: NodeId;
  readonly config: Partial<RaftConfig>;
  readonly random: Prng;
  readonly checker: SafetyChecker;
  readonly send: (message: Message, sender: SimNode) => void;
  /**
   * Runs `finish` once the disk has synced the write just begun (after its
   * latency, and not at all if the server crashes first), then drives the
   * server again.
   */
  readonly awaitSync: (node: SimNode, finish: () => void) => void;
  readonly coreFaults: UnsafeTestFaults;
  readonly driverFaults: DriverFaults;
  /**
   * Called when this server's driver learns from a Ready that it leads a new
   * term, before any message of that Ready leaves: a scenario can still change
   * what happens to them. Must not drive the server (schedule that instead).
   */
  readonly onLeaderElected: (node: SimNode, term: number) => void;
  /** Called when a leader's driver writes a higher commit index; the same rule. */
  readonly onLeaderCommit: (node: SimNode, commit: number) => void;
  /** Take a snapshot every this many applied entries, keeping `trailingEntries` of log behind it. */
  readonly snapshotEvery: number;
  readonly trailingEntries: number;
}

export class SimNode {
  readonly id: NodeId;
  readonly disk = new SimDisk();
  fsm = new SimStateMachine();
  raft: RaftNode | null = null;
  /** Paused (not ticking, not reading messages) until this virtual time. */
  pausedUntilMs = 0;
  /** Bumped at each crash: reports addressed to an earlier incarnation are dropped. */
  incarnation = 0;
  /** Proposals this node accepted, by index: acknowledged to the client once applied with the same term. */
  readonly awaitingApply = new Map<number, number>();
  /** Reads asked of this node, by context: the highest acknowledged index when each was asked. */
  readonly pendingReads = new Map<string, number>();
  private lastSnapshotIndex = 0;
  /** The commit index of the last Ready that carried one (commit events are reported from here on). */
  private lastCommit = 0;
  private readonly deferred: ((raft: RaftNode) => void)[] = [];
  /** The Ready whose synced write is under way: the core is busy until it finishes. */
  writing: Ready | null = null;

  constructor(private readonly options: SimNodeOptions) {
    this.id = options.id;
  }

  get alive(): boolean {
    return this.raft !== null;
  }

  /** The log as persisted in the page cache, for the checker. */
  readonly log: LogView = {
    firstIndex: () => this.disk.live.firstIndex(),
    lastIndex: () => this.disk.live.lastIndex(),
    term: (index) => this.disk.live.term(toLogIndex(index)),
  };

  start(): void {
    this.recoverFsm();
    this.lastCommit = Math.max(this.fsm.appliedIndex, this.disk.live.initialState().hardState.commit);
    this.raft = new RaftNode({
      id: this.id,
      storage: this.disk.live,
      config: this.options.config,
      randomInt: (bound) => this.options.random.int(bound),
      applied: toLogIndex(this.fsm.appliedIndex),
      unsafeTestFaults: this.options.coreFaults,
    });
  }

  /**
   * As the real server's storage does on open (NodeStorage): power failed
   * after the log was reset to a received snapshot but before the FSM's
   * restore was durable, so the FSM is behind the log's start. Restore it
   * from that snapshot.
   */
  private recoverFsm(): void {
    const { disk } = this;
    if (this.fsm.appliedIndex >= disk.live.firstIndex() - 1) return;
    const snapshot = disk.live.snapshot();
    if (!snapshot) throw new Error(`${this.id}: FSM at ${this.fsm.appliedIndex} behind the log and no snapshot`);
    this.fsm.restore(snapshot.data, snapshot.meta.index);
    disk.write({ kind: "fsm", record: { appliedIndex: this.fsm.appliedIndex, hash: this.fsm.hash } });
    disk.sync();
    this.options.checker.recordRestore(this.id, this.fsm.appliedIndex, this.fsm.hash);
  }

  crash(random: Prng): void {
    this.raft = null;
    this.incarnation += 1;
    this.awaitingApply.clear();
    this.pendingReads.clear();
    this.deferred.length = 0;
    this.writing = null;
    this.disk.crash(random);
    this.fsm = new SimStateMachine(this.disk.fsm);
    this.lastSnapshotIndex = this.disk.live.initialState().snapshotMeta.index;
  }

  /** Runs `action` against the core once no Ready is outstanding (now, in this driver). */
  whenIdle(action: (raft: RaftNode) => void): void {
    this.deferred.push(action);
  }

  /**
   * The driver loop: drain deferred calls, then handle Readys until the core
   * is quiet or a synced write is under way (then `awaitSync` resumes it).
   */
  drive(): void {
    const raft = this.raft;
    if (!raft) return;
    for (let round = 0; round < 10_000; round++) {
      if (this.writing) return;
      for (const action of this.deferred.splice(0)) action(raft);
      if (!raft.hasReady()) {
        if (this.deferred.length === 0) return;
        continue;
      }
      const ready = raft.ready();
      this.begin(ready);
      if (!ready.mustSync) {
        this.finish(raft, ready);
        continue;
      }
      this.writing = ready;
      this.options.awaitSync(this, () => this.finish(raft, ready));
    }
    throw new Error(`${this.id}: driver loop did not settle`);
  }

  /** The first half of a Ready: what may leave before the write, then the write itself (not yet synced). */
  private begin(ready: Ready): void {
    const { disk, fsm, options } = this;
    const { checker } = options;
    if (ready.softState?.role === "leader") options.onLeaderElected(this, ready.softState.term);
    for (const message of ready.messagesBeforePersist) options.send(message, this);
    if (options.driverFaults.ackBeforeSync) for (const message of ready.messages) options.send(message, this);
    if (ready.snapshot) {
      // The FSM's restored state is written with the snapshot, in the same synced batch.
      disk.write({ kind: "installSnapshot", snapshot: ready.snapshot });
      fsm.restore(ready.snapshot.data, ready.snapshot.meta.index);
      disk.write({ kind: "fsm", record: { appliedIndex: fsm.appliedIndex, hash: fsm.hash } });
      checker.recordRestore(this.id, fsm.appliedIndex, fsm.hash);
      this.lastSnapshotIndex = ready.snapshot.meta.index;
      this.lastCommit = Math.max(this.lastCommit, ready.snapshot.meta.index);
    }
    const first = ready.entries[0];
    if (first) {
      const previousTerm = disk.live.term(toLogIndex(first.index - 1));
      disk.write({ kind: "append", entries: ready.entries });
      checker.recordAppend(this.id, ready.entries, previousTerm);
    }
    if (ready.hardState) {
      disk.write({ kind: "hardState", hardState: ready.hardState });
      this.reportCommits(ready.hardState.commit, ready.hardState.term);
    }
  }

  /** The second half, once the write is durable: what depended on it leaves, then apply and advance. */
  private finish(raft: RaftNode, ready: Ready): void {
    const { disk, fsm, options } = this;
    const { checker } = options;
    this.writing = null;
    if (ready.mustSync) disk.sync();
    if (!options.driverFaults.ackBeforeSync) for (const message of ready.messages) options.send(message, this);
    for (const entry of ready.committedEntries) {
      fsm.apply(entry);
      checker.recordApply(this.id, entry, fsm.hash);
      const awaitedTerm = this.awaitingApply.get(entry.index);
      if (awaitedTerm !== undefined) {
        this.awaitingApply.delete(entry.index);
        if (awaitedTerm === entry.term) checker.recordAcknowledged(entry.index, entry.term);
      }
    }
    // Applying is not made durable here (the real driver keeps it in memory until a later synced
    // batch): a crash may undo it, and the entries are applied again from the log after restart.
    if (ready.committedEntries.length > 0) {
      disk.write({ kind: "fsm", record: { appliedIndex: fsm.appliedIndex, hash: fsm.hash } });
    }
    for (const read of ready.readStates) {
      const key = new TextDecoder().decode(read.context);
      const required = this.pendingReads.get(key);
      if (required === undefined) continue;
      this.pendingReads.delete(key);
      checker.recordRead(this.id, read.index, required);
    }
    raft.advance();
    this.maybeSnapshot(raft);
  }

  private reportCommits(commit: number, term: number): void {
    if (commit <= this.lastCommit) return;
    for (let index = this.lastCommit + 1; index <= commit; index++) {
      const entryTerm = this.disk.live.term(toLogIndex(index));
      if (entryTerm !== undefined) this.options.checker.recordCommit(this.id, index, entryTerm, term);
    }
    this.lastCommit = commit;
    if (this.raft?.role === "leader") this.options.onLeaderCommit(this, commit);
  }

  private maybeSnapshot(raft: RaftNode): void {
    const { disk, fsm, options } = this;
    if (fsm.appliedIndex - this.lastSnapshotIndex < options.snapshotEvery) return;
    const index = toLogIndex(fsm.appliedIndex);
    const term = disk.live.term(index);
    if (term === undefined) return;
    const snapshot: Snapshot = {
      meta: { index, term, configuration: raft.status().appliedConfiguration },
      data: fsm.encode(),
    };
    const compactTo = Math.max(disk.live.firstIndex() - 1, index - options.trailingEntries);
    disk.write({ kind: "createSnapshot", snapshot, compactTo });
    disk.sync();
    this.lastSnapshotIndex = index;
  }
}
