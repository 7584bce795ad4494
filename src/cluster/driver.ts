/**
 * The Raft driver: the one owner of a RaftNode. Every change to the core
 * happens in its loop, in this order (STYLE.md, raft/ready.ts):
 *
 *   queued calls -> inbox messages -> ticks -> ready()
 *     -> send a leader's appends (they travel while it writes them)
 *     -> persist: ONE LevelDB batch (log append or reset, hard state, a
 *        pending log compaction, and the FSM effects applied in memory by
 *        earlier rounds when this batch is synced anyway), synced when
 *        anything in it must survive; nothing at all when only the commit
 *        index changed (it rides with the next batch, stable-store.ts)
 *     -> send the other messages -> apply committed entries in memory
 *     -> advance() -> settle waiting callers
 *
 * Group commit: while a round waits for its fsync, new proposals, messages
 * and ticks queue up; the next round takes them all and makes one batch of
 * them, so under load many entries share one fsync.
 *
 * The client's critical path is one fsync on each side, in parallel: the
 * leader's append and a follower's (raft/ready.ts, thesis §10.2.1). The
 * FSM's own write is off it: a proposal resolves once committed and applied
 * in memory; its effects are written in the next synced batch (fsm.ts says
 * why that is safe, fsm-flush.ts when it happens). Every batch carrying FSM
 * effects is synced: LevelDB does not sync a write-ahead log file it rotates
 * away from, so an unsynced batch could be lost on power failure while a
 * later synced one survives, and the FSM would skip an entry.
 */
import { randomInt as cryptoRandomInt } from "node:crypto";
import { assert, CofferError } from "../lib/index.js";
import type { TransactionOp } from "../physical/index.js";
import { checkTransaction } from "../physical/index.js";
import type { ConfigChange, Message, NodeId, RaftStatus, Ready } from "../raft/index.js";
import { RaftNode, toLogIndex, validateRaftConfig } from "../raft/index.js";
import { fromUtf8, utf8 } from "./bytes.js";
import {
  type AppliedResult,
  PendingProposals,
  type PendingRead,
  PendingReads,
  refusalError,
  type Waiter,
} from "./driver-requests.js";
import { SnapshotWork } from "./driver-snapshots.js";
import type { DriverEvent, DriverStatus, RaftDriverOptions } from "./driver-types.js";
import { encodeCommand } from "./fsm-command.js";
import { FsmFlushPolicy } from "./fsm-flush.js";
import { WriteBatch } from "./node-db.js";
import { NodeStorage, snapshotIdOf } from "./node-storage.js";
import type { RaftProposer } from "./raft-backend.js";
import type { Transport } from "./transport/transport.js";

interface QueuedCall {
  readonly run: (core: RaftNode) => void;
  readonly reject: (error: unknown) => void;
}

interface PendingTransfer {
  readonly waiter: Waiter<void>;
}

const inboxMessagesMax = 65_536;
/** Unflushed FSM effects force the next batch to carry them (synced) past this many bytes. */
const fsmUnflushedBytesMax = 8 * 1024 * 1024;

export class RaftDriver implements RaftProposer {
  readonly id: NodeId;
  readonly #storage: NodeStorage;
  readonly #core: RaftNode;
  readonly #transport: Transport;
  readonly #tickMs: number;
  readonly #requestTimeoutMs: number;
  readonly #readRetryMs: number;
  readonly #maxTicksPerRound: number;
  #inbox: Message[] = [];
  #calls: QueuedCall[] = [];
  #ticksDue = 0;
  #timer: NodeJS.Timeout | undefined;
  #loopScheduled = false;
  #round: Promise<void> | undefined;
  readonly #proposals = new PendingProposals();
  readonly #reads = new PendingReads();
  #transfers: PendingTransfer[] = [];
  #readCounter = 0;
  readonly #listeners = new Set<(event: DriverEvent) => void>();
  #configurationKey = "";
  readonly #snapshots: SnapshotWork;
  readonly #fsmFlush: FsmFlushPolicy;
  #syncedWrites = 0;
  #entriesPersisted = 0;
  #failure: unknown;
  /**
   * The core's status as of the end of the last round. The core's own status() is not safe to
   * call between stepping a snapshot and advancing past it, which can span an await here.
   */
  #coreStatus: RaftStatus;
  #closing: Promise<void> | undefined;

  private constructor(options: RaftDriverOptions, storage: NodeStorage) {
    this.id = options.id;
    this.#storage = storage;
    this.#transport = options.transport;
    this.#tickMs = options.tickMs ?? 100;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const config = validateRaftConfig(options.raft);
    this.#readRetryMs = 2 * config.electionTicks * this.#tickMs;
    this.#maxTicksPerRound = config.electionTicks;
    const randomInt = options.randomInt ?? ((bound: number) => cryptoRandomInt(bound));
    this.#core = new RaftNode({ id: options.id, storage, config, randomInt, applied: storage.fsm.applied().index });
    this.#snapshots = new SnapshotWork({
      storage,
      transport: this.#transport,
      snapshotThreshold: options.snapshotThreshold ?? 8192,
      trailingLogs: options.trailingLogs ?? 10_000,
      deliver: (message) => this.#receive(message),
      reportSent: (to, outcome) =>
        this.#enqueue({ run: (core) => core.reportSnapshot(to, outcome), reject: () => undefined }),
      onTaken: (index, term) => this.#emit({ type: "snapshot", index, term, installed: false }),
      onError: (error) => this.#emit({ type: "warning", error }),
      stopped: () => this.#stopped(),
    });
    this.#fsmFlush = new FsmFlushPolicy({
      fsm: storage.fsm,
      delayMs: options.fsmFlushDelayMs ?? 10,
      bytesMax: fsmUnflushedBytesMax,
      wake: () => this.#schedule(),
    });
    this.#coreStatus = this.#core.status();
  }

  /** Opens (or creates) the server's storage, starts the transport and the tick timer. */
  static async open(options: RaftDriverOptions): Promise<RaftDriver> {
    if (options.tickMs !== undefined && (!Number.isSafeInteger(options.tickMs) || options.tickMs < 1)) {
      throw new CofferError("invalid_request", "raft: tickMs must be a positive integer");
    }
    const storage = await NodeStorage.open({
      dataDir: options.dataDir,
      ...(options.bootstrap ? { bootstrap: options.bootstrap } : {}),
      ...(options.snapshotRetain === undefined ? {} : { snapshotRetain: options.snapshotRetain }),
      ...(options.entryCacheBytesMax === undefined ? {} : { entryCacheBytesMax: options.entryCacheBytesMax }),
    });
    let driver: RaftDriver | undefined;
    try {
      driver = new RaftDriver(options, storage);
      await driver.#start();
      return driver;
    } catch (error) {
      await (driver ? driver.close() : storage.close());
      throw error;
    }
  }

  async #start(): Promise<void> {
    await this.#transport.start({
      onMessage: (message) => this.#receive(message),
      onSnapshot: (snapshot) => this.#snapshots.receive(snapshot),
    });
    this.#noticeConfiguration();
    this.#timer = setInterval(() => {
      if (this.#ticksDue < this.#maxTicksPerRound) this.#ticksDue += 1;
      this.#schedule();
    }, this.#tickMs);
    this.#schedule();
  }

  // ---- public API ---------------------------------------------------------

  /**
   * Replicates `ops` as one entry; resolves once it is committed and applied here.
   * With `leaderTerm`, the proposal is refused (retryable) unless this server
   * still leads in that term: a write computed from reads confirmed in one
   * term must not land in another, after other leaders may have changed what
   * it read.
   */
  async propose(ops: readonly TransactionOp[], options: { readonly leaderTerm?: number } = {}): Promise<AppliedResult> {
    checkTransaction(ops);
    const data = encodeCommand(ops);
    return this.#call<AppliedResult>((core, waiter) => {
      if (options.leaderTerm !== undefined && (core.role !== "leader" || core.term !== options.leaderTerm)) {
        waiter.reject(new CofferError("unavailable", "raft: leadership changed since this request's reads; retry"));
        return;
      }
      const result = core.propose(data);
      if (result.ok) this.#proposals.add(result.index, result.term, waiter);
      else waiter.reject(refusalError(result.reason, result.leader));
    });
  }

  /**
   * Resolves once this server's FSM has applied everything committed when it
   * was called, with the term in which this server confirmed its leadership
   * for it (0 when the read index came from another leader).
   */
  readIndex(): Promise<number> {
    return this.#call<number>((core, waiter) => this.#askReadIndex(core, { ...waiter, askedAtMs: Date.now() }));
  }

  addVoter(id: NodeId, address: string): Promise<AppliedResult> {
    return this.#changeMembership({ type: "addVoter", id, address });
  }

  addNonVoter(id: NodeId, address: string): Promise<AppliedResult> {
    return this.#changeMembership({ type: "addNonVoter", id, address });
  }

  removeServer(id: NodeId): Promise<AppliedResult> {
    return this.#changeMembership({ type: "removeServer", id });
  }

  /** Hands leadership to `to` (default: the most caught-up voter); resolves once this server is no longer leader. */
  transferLeadership(to?: NodeId): Promise<void> {
    return this.#call<void>((core, waiter) => {
      if (core.role !== "leader") {
        waiter.reject(refusalError("notLeader", core.leader));
        return;
      }
      const target = to ?? bestSuccessor(core);
      if (target === undefined) {
        waiter.reject(new CofferError("invalid_request", "raft: no other voter to hand leadership to"));
        return;
      }
      const result = core.transferLeadership(target);
      if (result.ok) this.#transfers.push({ waiter });
      else waiter.reject(refusalError(result.reason, result.leader));
    });
  }

  /** Subscribes to leadership, configuration, snapshot and failure events; returns the unsubscribe function. */
  on(listener: (event: DriverEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Local reads of the FSM, for the Raft backend (after `readIndex`). */
  get fsm(): NodeStorage["fsm"] {
    return this.#storage.fsm;
  }

  status(): DriverStatus {
    const status = this.#coreStatus;
    return {
      id: this.id,
      role: status.role,
      term: status.term,
      leader: status.leader,
      commitIndex: status.commit,
      appliedIndex: this.#storage.fsm.applied().index,
      firstIndex: this.#storage.log.firstIndex(),
      lastIndex: this.#storage.log.lastIndex(),
      configuration: status.configuration,
      followers: status.followers,
      syncedWrites: this.#syncedWrites,
      entriesPersisted: this.#entriesPersisted,
      transport: this.#transport.stats(),
    };
  }

  /** Stops ticking, finishes the round in progress, fails every waiter, closes transport and storage. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- the loop -----------------------------------------------------------

  #schedule(): void {
    if (this.#loopScheduled || this.#round || this.#stopped()) return;
    this.#loopScheduled = true;
    setImmediate(() => {
      this.#loopScheduled = false;
      if (this.#round || this.#stopped()) return;
      this.#round = this.#runRounds().finally(() => {
        this.#round = undefined;
        if (this.#hasInput()) this.#schedule();
      });
    });
  }

  async #runRounds(): Promise<void> {
    try {
      for (;;) {
        this.#feedCore();
        if (this.#stopped()) return;
        if (!this.#core.hasReady()) {
          this.#coreStatus = this.#core.status();
          if (this.#fsmFlush.due) {
            await this.#flushFsm();
            continue;
          }
          this.#fsmFlush.armIfIdle();
          return;
        }
        const ready = this.#core.ready();
        const membershipMayChange = await this.#handleReady(ready);
        this.#core.advance();
        this.#coreStatus = this.#core.status();
        this.#afterAdvance(ready, membershipMayChange);
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  #feedCore(): void {
    const core = this.#core;
    for (const call of this.#calls.splice(0)) call.run(core);
    for (const message of this.#inbox.splice(0)) this.#step(core, message);
    if (this.#ticksDue > 0) {
      for (; this.#ticksDue > 0; this.#ticksDue--) core.tick();
      this.#onTick(core);
    }
  }

  /** A malformed message is refused by the core before it changes anything: drop that one, keep the rest. */
  #step(core: RaftNode, message: Message): void {
    try {
      core.step(message);
    } catch (error) {
      if (!(error instanceof CofferError) || error.code !== "invalid_request") throw error;
      this.#emit({ type: "warning", error });
    }
  }

  /** Carries out one Ready; returns whether the membership may have changed (config entries, truncation, snapshot). */
  async #handleReady(ready: Ready): Promise<boolean> {
    const { log, stable, fsm, db } = this.#storage;
    const first = ready.entries[0];
    const membershipMayChange =
      ready.snapshot !== null ||
      (first !== undefined && first.index <= log.lastIndex()) ||
      ready.entries.some((entry) => entry.kind === "config");
    const batch = new WriteBatch();
    if (ready.snapshot) log.stageReset(batch, { index: ready.snapshot.meta.index, term: ready.snapshot.meta.term });
    log.stageAppend(batch, ready.entries);
    if (ready.hardState) stable.note(ready.hardState);
    const compactTo = this.#snapshots.pendingCompaction;
    if (compactTo !== undefined && !ready.snapshot && compactTo <= log.lastIndex()) {
      log.stageCompact(batch, toLogIndex(compactTo));
      this.#snapshots.pendingCompaction = undefined;
    }
    const sync = this.#fsmFlush.stageWith(ready, batch) || ready.mustSync;
    // A new term or vote makes the Ready mustSync: written here, before any message leaves. A
    // commit index alone is not written for itself: it rides with the next batch (stable-store.ts).
    if (sync || batch.operations.length > 0) stable.stagePending(batch);
    // A leader's appends travel while it writes them (thesis §10.2.1; raft/ready.ts step 0).
    for (const message of ready.messagesBeforePersist) this.#transport.send(message);
    try {
      await db.write(batch, { sync });
    } catch (error) {
      log.fail(error);
      throw error;
    }
    if (sync) this.#syncedWrites += 1;
    this.#entriesPersisted += ready.entries.length;

    for (const message of ready.messages) {
      if (message.type === "installSnapshot") this.#snapshots.send(message);
      else this.#transport.send(message);
    }

    if (ready.snapshot) {
      const meta = await fsm.restore(this.#storage.snapshots.read(snapshotIdOf(ready.snapshot)));
      assert(meta.index === ready.snapshot.meta.index, "restored the snapshot the core installed");
      this.#snapshots.lastIndex = meta.index;
      this.#emit({ type: "snapshot", index: meta.index, term: meta.term, installed: true });
    }
    // Committed means durable in a majority of logs: callers may be told once it is applied in memory.
    fsm.applyInMemory(ready.committedEntries);
    return membershipMayChange;
  }

  /**
   * Writes the FSM effects applied in memory, with the hard state that commits them, in a synced
   * batch of their own (also the hard state alone, when nothing else would carry it: at close).
   */
  async #flushFsm(): Promise<void> {
    const { stable, db } = this.#storage;
    const batch = new WriteBatch();
    if (!this.#fsmFlush.stageAlone(batch) && !stable.hasPending) return;
    // The commit index covering the effects: a restart replays the log up to it (node-storage.ts).
    stable.stagePending(batch);
    await db.write(batch, { sync: true });
    this.#syncedWrites += 1;
  }

  /** Settles callers once the core has advanced, so what they observe next (status) is current. */
  #afterAdvance(ready: Ready, membershipMayChange: boolean): void {
    if (ready.snapshot) this.#proposals.skippedThrough(ready.snapshot.meta.index);
    for (const entry of ready.committedEntries) this.#proposals.applied(entry);
    const applied = this.#storage.fsm.applied().index;
    this.#reads.applied(applied);
    for (const state of ready.readStates) this.#reads.answered(fromUtf8(state.context), state.index, applied);
    if (ready.softState) {
      const { role, leader, term } = ready.softState;
      this.#reads.leadershipChanged({ leading: role === "leader", term });
      this.#emit({ type: "leadership", role, leader, term });
      if (role !== "leader") for (const transfer of this.#transfers.splice(0)) transfer.waiter.resolve();
    }
    if (membershipMayChange) this.#noticeConfiguration();
    this.#snapshots.maybeTake(applied);
  }

  #onTick(core: RaftNode): void {
    const nowMs = Date.now();
    this.#proposals.expire(nowMs);
    this.#reads.expire(nowMs);
    for (const read of this.#reads.unanswered(nowMs - this.#readRetryMs)) this.#askReadIndex(core, read);
    this.#transfers = this.#transfers.filter((transfer) => {
      if (transfer.waiter.deadlineMs > nowMs) return true;
      transfer.waiter.reject(new CofferError("unavailable", "raft: leadership transfer timed out"));
      return false;
    });
  }

  #askReadIndex(core: RaftNode, read: PendingRead): void {
    this.#readCounter += 1;
    const context = `${this.id}\u0000${this.#readCounter}`;
    read.askedAtMs = Date.now();
    const leaderTerm = core.role === "leader" ? core.term : 0;
    const result = core.readIndex(utf8(context));
    // With no leader known yet the read stays pending and is asked again later (until its deadline).
    if (result.ok || result.reason === "noLeader" || result.reason === "notLeader") {
      this.#reads.asked(context, read, leaderTerm);
    } else read.reject(refusalError(result.reason, result.leader));
  }

  #changeMembership(change: ConfigChange): Promise<AppliedResult> {
    return this.#call<AppliedResult>((core, waiter) => {
      const result = core.proposeConfigChange(change);
      if (result.ok) this.#proposals.add(result.index, result.term, waiter);
      else if (result.reason === "noChange") {
        const status = core.status();
        waiter.resolve({ index: status.commit, term: status.term });
      } else waiter.reject(refusalError(result.reason, result.leader));
    });
  }

  // ---- plumbing -----------------------------------------------------------

  #receive(message: Message): void {
    if (this.#stopped() || this.#inbox.length >= inboxMessagesMax) return;
    this.#inbox.push(message);
    this.#schedule();
  }

  #call<T>(run: (core: RaftNode, waiter: Waiter<T>) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#stopped()) {
        reject(this.#stoppedError());
        return;
      }
      const waiter: Waiter<T> = { resolve, reject, deadlineMs: Date.now() + this.#requestTimeoutMs };
      this.#enqueue({ run: (core) => run(core, waiter), reject });
    });
  }

  #enqueue(call: QueuedCall): void {
    if (this.#stopped()) {
      call.reject(this.#stoppedError());
      return;
    }
    this.#calls.push(call);
    this.#schedule();
  }

  #noticeConfiguration(): void {
    const configuration = this.#core.status().configuration;
    const key = JSON.stringify(configuration);
    if (key === this.#configurationKey) return;
    this.#configurationKey = key;
    this.#transport.setPeers(configuration.servers.map((server) => ({ id: server.id, address: server.address })));
    this.#emit({ type: "configuration", configuration });
  }

  #emit(event: DriverEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  #hasInput(): boolean {
    return this.#calls.length > 0 || this.#inbox.length > 0 || this.#ticksDue > 0 || this.#fsmFlush.due;
  }

  #stopped(): boolean {
    return this.#closing !== undefined || this.#failure !== undefined;
  }

  #stoppedError(): CofferError {
    return this.#failure === undefined
      ? new CofferError("unavailable", "raft: server is shutting down")
      : new CofferError("unavailable", "raft: server stopped after a failure", { cause: this.#failure });
  }

  #rejectAll(error: unknown): void {
    for (const call of this.#calls.splice(0)) call.reject(error);
    this.#proposals.failAll(error);
    this.#reads.failAll(error);
    for (const transfer of this.#transfers.splice(0)) transfer.waiter.reject(error);
  }

  #fail(error: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    clearInterval(this.#timer);
    this.#rejectAll(this.#stoppedError());
    this.#emit({ type: "failed", error });
  }

  async #shutdown(): Promise<void> {
    clearInterval(this.#timer);
    this.#fsmFlush.cancel();
    await this.#round;
    // Not needed for safety (the log replays them), but a clean stop leaves the FSM current on disk.
    if (this.#failure === undefined) {
      await this.#flushFsm().catch((error: unknown) => this.#emit({ type: "warning", error }));
    }
    await this.#snapshots.idle();
    this.#rejectAll(this.#stoppedError());
    await this.#transport.close();
    await this.#storage.close();
  }
}

/** The voter (other than the leader) with the highest match index. */
function bestSuccessor(core: RaftNode): NodeId | undefined {
  const status = core.status();
  const voters = new Set(
    status.configuration.servers.filter((server) => server.suffrage === "voter").map((server) => server.id),
  );
  let best: { id: NodeId; match: number } | undefined;
  for (const follower of status.followers) {
    if (follower.id === status.id || !voters.has(follower.id)) continue;
    if (!best || follower.match > best.match) best = { id: follower.id, match: follower.match };
  }
  return best?.id;
}
