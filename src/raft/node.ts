/**
 * RaftNode: the public face of the pure Raft core. Synchronous, no I/O, no
 * clock, no timers, no randomness of its own. One driver owns it and runs:
 *
 *   step(...)/tick()/propose(...) -> ready() -> persist, send, apply -> advance()
 *
 * See ready.ts for what a Ready asks of the driver and in which order.
 */
import { assert } from "../lib/index.js";
import type {
  FollowerStatus,
  ProposeResult,
  RaftNodeOptions,
  RaftStatus,
  Refusal,
  Refused,
  RequestResult,
  SnapshotOutcome,
} from "./api.js";
import { validateRaftConfig } from "./config.js";
import { campaign } from "./election.js";
import { applyConfigChange, encodeConfigEntry } from "./membership.js";
import type { Message } from "./messages.js";
import { leaderReadIndex } from "./readindex.js";
import type { Ready, Role, SoftState } from "./ready.js";
import { appendAsLeader, broadcastAppend, fillPipeline, maybeCommit } from "./replication.js";
import { RaftState } from "./state.js";
import { afterLeaderCommit, step, tick } from "./step.js";
import { startTransfer } from "./transfer.js";
import type { ConfigChange, Entry, HardState, NodeId, Term } from "./types.js";
import { toLogIndex, toTerm } from "./types.js";
import { assertWellFormed } from "./validate.js";

/** What the outstanding Ready handed out, to settle at advance(). */
interface Handed {
  readonly hardState: HardState | null;
  readonly softState: SoftState | null;
  readonly hadUnstable: boolean;
  readonly lastCommitted: number;
  readonly committedPayloadBytes: number;
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.votedFor === b.votedFor && a.commit === b.commit;
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leader === b.leader && a.term === b.term;
}

export class RaftNode {
  private readonly state: RaftState;
  private lastHardState: HardState;
  private lastSoftState: SoftState;
  private handed: Handed | null = null;
  /** Proposals were appended since followers were last sent entries: batch them into one append each. */
  private appendsPending = false;

  constructor(options: RaftNodeOptions) {
    const config = validateRaftConfig(options.config);
    this.state = new RaftState({
      id: options.id,
      storage: options.storage,
      config,
      randomInt: options.randomInt,
      faults: options.unsafeTestFaults ?? {},
    });
    const { log } = this.state;
    const snapshotIndex = options.storage.initialState().snapshotMeta.index;
    const applied = options.applied ?? snapshotIndex;
    assert(
      applied >= log.firstIndex() - 1 && applied <= log.lastIndex(),
      `applied ${applied} outside the log [${log.firstIndex() - 1}, ${log.lastIndex()}]`,
    );
    // What the FSM applied was committed, even if the commit index was not yet synced when we stopped.
    log.commitTo(applied);
    log.applied = applied;
    this.state.history.compactTo(applied);
    this.lastHardState = this.state.hardState();
    this.lastSoftState = this.softState();
  }

  get id(): NodeId {
    return this.state.id;
  }

  get role(): Role {
    return this.state.role;
  }

  get term(): Term {
    return toTerm(this.state.term);
  }

  /** The leader this server follows (itself when leader), "" when none is known. */
  get leader(): NodeId {
    return this.state.leader;
  }

  /** Advances logical time by one tick (elections, heartbeats, check-quorum). */
  tick(): void {
    this.mutate(() => tick(this.state));
  }

  /**
   * Feeds a message from the transport. Messages for another server are
   * ignored; a malformed one throws an invalid_request CofferError and
   * changes nothing.
   */
  step(message: Message): void {
    assertWellFormed(message);
    if (message.to !== this.state.id || message.from === this.state.id) return;
    this.mutate(() => step(this.state, message));
  }

  /** Starts an election now, as if the election timeout had elapsed (pre-vote first when enabled). */
  campaign(): void {
    this.mutate(() => {
      if (this.state.role !== "leader") campaign(this.state, this.state.config.preVote ? "preVote" : "election");
    });
  }

  /** Leader only: appends `data` as a normal entry. It is applied at the returned (index, term) if it commits. */
  propose(data: Uint8Array): ProposeResult {
    return this.mutate(() => {
      const refusal = this.leaderRefusal();
      if (refusal) return refusal;
      const { state } = this;
      const bytes = data.byteLength;
      if (state.uncommittedBytes > 0 && state.uncommittedBytes + bytes > state.config.uncommittedBytesMax) {
        return this.refuse("uncommittedBytesExceeded");
      }
      const index = appendAsLeader(state, [{ kind: "normal", data }]);
      state.uncommittedBytes += bytes;
      this.appendsPending = true;
      return { ok: true, index: toLogIndex(index), term: toTerm(state.term) };
    });
  }

  /**
   * Leader only: appends a single-server membership change. It takes effect
   * at once; another is refused until it commits (thesis §4.1).
   */
  proposeConfigChange(change: ConfigChange): ProposeResult {
    return this.mutate(() => {
      const refusal = this.leaderRefusal();
      if (refusal) return refusal;
      const { state } = this;
      if (state.pendingConfigIndex > state.log.committed) return this.refuse("configChangePending");
      const result = applyConfigChange(state.configuration(), change);
      if (!result.ok) return this.refuse(result.reason);
      const data = encodeConfigEntry({ change, configuration: result.configuration });
      const index = appendAsLeader(state, [{ kind: "config", data }]);
      state.pendingConfigIndex = index;
      this.appendsPending = true;
      return { ok: true, index: toLogIndex(index), term: toTerm(state.term) };
    });
  }

  /** Leader only: hands leadership to voter `to` once it is caught up (thesis §3.10). */
  transferLeadership(to: NodeId): RequestResult {
    return this.mutate(() => startTransfer(this.state, to));
  }

  /**
   * Asks for a linearizable read identified by `context` (non-empty, unique
   * among pending reads). A ReadState with the same context appears in a
   * later Ready; on a follower the request goes to the leader.
   */
  readIndex(context: Uint8Array): RequestResult {
    return this.mutate((): RequestResult => {
      const { state } = this;
      if (context.byteLength === 0) return this.refuse("invalidContext");
      if (state.role === "leader") {
        const refusal = leaderReadIndex(state, context, state.id);
        return refusal ? this.refuse(refusal) : { ok: true };
      }
      if (state.leader === "") return this.refuse("noLeader");
      state.send({ type: "readIndex", ...state.envelope(state.leader), context });
      return { ok: true };
    });
  }

  /** The transport could not reach `id`: stop pipelining to it and probe instead. */
  reportUnreachable(id: NodeId): void {
    this.mutate(() => {
      const progress = this.state.role === "leader" ? this.state.progressOf(id) : undefined;
      if (progress?.state === "replicate") progress.becomeProbe();
    });
  }

  /**
   * The transport finished (or failed) sending a snapshot to `id`. Either
   * way the leader then waits for the follower's answer or the next
   * heartbeat before sending more.
   */
  reportSnapshot(id: NodeId, outcome: SnapshotOutcome): void {
    this.mutate(() => {
      const progress = this.state.role === "leader" ? this.state.progressOf(id) : undefined;
      if (progress?.state !== "snapshot") return;
      if (outcome === "failed") progress.pendingSnapshot = 0;
      progress.becomeProbe();
      progress.probeSent = true;
    });
  }

  /** Whether `ready()` has anything to hand out. False while a Ready awaits `advance()`. */
  hasReady(): boolean {
    if (this.handed) return false;
    this.flushAppends();
    const { state } = this;
    return (
      state.messages.length > 0 ||
      state.readStates.length > 0 ||
      state.log.hasUnstable() ||
      state.log.committed > state.log.applied ||
      !sameHardState(state.hardState(), this.lastHardState) ||
      !sameSoftState(this.softState(), this.lastSoftState)
    );
  }

  /** What to persist, send and apply now; call `advance()` when done. See ready.ts for the order. */
  ready(): Ready {
    assert(this.handed === null, "ready() called again before advance()");
    this.flushAppends();
    const { state } = this;
    const hardState = state.hardState();
    const softState = this.softState();
    const newHardState = sameHardState(hardState, this.lastHardState) ? null : hardState;
    const newSoftState = sameSoftState(softState, this.lastSoftState) ? null : softState;
    const unstable = state.log.unstable();
    const committedEntries = state.log.nextCommittedEntries(state.config.committedBytesPerReadyMax);
    // An append may leave before our own write (thesis §10.2.1) when the term it carries is already
    // durable: we count ourselves only once advance() confirms the write, and followers hold what they
    // received. Not so in the Ready that reaches the term (a lone voter electing itself): a crash before the
    // write could let us lead that term again and send different entries under the same index and term.
    const persistedTerm = this.lastHardState.term;
    const messagesBeforePersist: Message[] = [];
    const messages: Message[] = [];
    for (const message of state.messages) {
      if (message.type === "appendEntries" && message.term === persistedTerm) messagesBeforePersist.push(message);
      else messages.push(message);
    }
    const readStates = state.readStates;
    state.messages = [];
    state.readStates = [];
    const termOrVoteChanged =
      hardState.term !== this.lastHardState.term || hardState.votedFor !== this.lastHardState.votedFor;
    this.handed = {
      hardState: newHardState,
      softState: newSoftState,
      hadUnstable: unstable.snapshot !== null || unstable.entries.length > 0,
      lastCommitted: committedEntries[committedEntries.length - 1]?.index ?? state.log.applied,
      committedPayloadBytes: payloadBytes(committedEntries),
    };
    return {
      softState: newSoftState,
      hardState: newHardState,
      snapshot: unstable.snapshot,
      entries: unstable.entries,
      mustSync: termOrVoteChanged || unstable.entries.length > 0 || unstable.snapshot !== null,
      messagesBeforePersist,
      messages,
      committedEntries,
      readStates,
    };
  }

  /** The last Ready was persisted, sent and applied; the storage reflects it. */
  advance(): void {
    const handed = this.handed;
    assert(handed !== null, "advance() without a ready()");
    const { state } = this;
    if (handed.hadUnstable) state.log.markStable();
    state.log.appliedTo(Math.max(handed.lastCommitted, state.log.applied));
    state.history.compactTo(state.log.applied);
    if (handed.hardState) this.lastHardState = handed.hardState;
    if (handed.softState) this.lastSoftState = handed.softState;
    if (state.role === "leader") {
      state.uncommittedBytes = Math.max(0, state.uncommittedBytes - handed.committedPayloadBytes);
    }
    this.handed = null;
    // Our own copy of what we appended is durable now and counts toward the quorum (alone, for a lone voter).
    if (handed.hadUnstable && state.role === "leader") this.mutate(() => this.commitOwnPersisted());
  }

  private commitOwnPersisted(): void {
    if (maybeCommit(this.state)) broadcastAppend(this.state);
  }

  status(): RaftStatus {
    const { state } = this;
    const followers: FollowerStatus[] = [];
    if (state.role === "leader") {
      for (const [id, progress] of state.progress) {
        followers.push({
          id,
          match: toLogIndex(progress.match),
          next: toLogIndex(progress.next),
          state: progress.state,
          recentActive: progress.recentActive,
          inflightMessages: progress.inflights.count,
        });
      }
    }
    return {
      id: state.id,
      role: state.role,
      term: toTerm(state.term),
      votedFor: state.votedFor,
      leader: state.leader,
      commit: toLogIndex(state.log.committed),
      applied: toLogIndex(state.log.applied),
      firstIndex: toLogIndex(state.log.firstIndex()),
      lastIndex: toLogIndex(state.log.lastIndex()),
      configuration: state.configuration(),
      appliedConfiguration: state.history.at(state.log.applied).configuration,
      leadTransferee: state.leadTransferee,
      followers,
    };
  }

  private softState(): SoftState {
    return { role: this.state.role, leader: this.state.leader, term: toTerm(this.state.term) };
  }

  /** Runs a change to the core, refusing it while a Ready is outstanding, and settles its effects. */
  private mutate<T>(change: () => T): T {
    assert(this.handed === null, "the core was changed between ready() and advance()");
    const { state } = this;
    const wasLeader = state.role === "leader";
    const committedBefore = state.log.committed;
    const result = change();
    if (wasLeader && state.role === "leader" && state.log.committed > committedBefore) afterLeaderCommit(state);
    if (state.role !== "leader") this.appendsPending = false;
    return result;
  }

  private flushAppends(): void {
    if (!this.appendsPending) return;
    this.appendsPending = false;
    if (this.state.role !== "leader") return;
    for (const id of this.state.progress.keys()) fillPipeline(this.state, id);
  }

  private leaderRefusal(): Refused | null {
    if (this.state.role !== "leader") return this.refuse("notLeader");
    if (this.state.leadTransferee !== "") return this.refuse("transferInProgress");
    return null;
  }

  private refuse(reason: Refusal): Refused {
    return { ok: false, reason, leader: this.state.leader };
  }
}

function payloadBytes(entries: readonly Entry[]): number {
  let total = 0;
  for (const entry of entries) total += entry.data.byteLength;
  return total;
}
