/**
 * Everything one Raft server holds in memory, and the small helpers every
 * role uses. Role behaviour lives in election.ts, replication.ts,
 * readindex.ts, transfer.ts and step.ts, as functions of this state; only
 * RaftNode (node.ts) exposes it.
 */
import { assert } from "../lib/index.js";
import type { UnsafeTestFaults } from "./api.js";
import type { RaftConfig } from "./config.js";
import { RaftLog } from "./log.js";
import { ConfigurationHistory, isMember, isVoter, voterIds } from "./membership.js";
import type { Message } from "./messages.js";
import { Progress } from "./progress.js";
import { committedIndex, voteOutcome } from "./quorum.js";
import { ReadIndexQueue } from "./readonly.js";
import type { ReadState, Role } from "./ready.js";
import type { LogStorage } from "./storage.js";
import type { Configuration, Entry, HardState, NodeId, Term } from "./types.js";
import { toLogIndex, toTerm } from "./types.js";

/** A ReadIndex request that arrived before the leader committed an entry of its term (thesis §6.4 step 1). */
export interface DeferredRead {
  readonly context: Uint8Array;
  readonly from: NodeId;
}

export interface RaftStateOptions {
  readonly id: NodeId;
  readonly storage: LogStorage;
  readonly config: RaftConfig;
  readonly randomInt: (boundExclusive: number) => number;
  readonly faults: UnsafeTestFaults;
}

export class RaftState {
  readonly id: NodeId;
  readonly config: RaftConfig;
  readonly faults: UnsafeTestFaults;
  readonly log: RaftLog;
  readonly history: ConfigurationHistory;
  private readonly randomInt: (boundExclusive: number) => number;

  term = 0;
  votedFor: NodeId = "";
  role: Role = "follower";
  /** The leader of `term` as far as we know, "" for none. */
  leader: NodeId = "";

  /** Followers/candidates: ticks since hearing from a leader or starting a campaign. Leader: ticks since the last check-quorum round. */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTicks: number;

  /** Leader only: one per other server in the configuration. */
  readonly progress = new Map<NodeId, Progress>();
  /** Candidates only: answers received in this campaign. */
  readonly votes = new Map<NodeId, boolean>();

  /** Leader only: index of the newest config entry it appended (or of its no-op); a new change waits until it commits. */
  pendingConfigIndex = 0;
  /** Leader only: payload bytes of proposals appended but not yet applied. */
  uncommittedBytes = 0;
  /** Leader only: the server leadership is being handed to, "" for none. */
  leadTransferee: NodeId = "";
  readonly reads = new ReadIndexQueue();
  readonly deferredReads: DeferredRead[] = [];

  /** Outputs collected for the next Ready. */
  messages: Message[] = [];
  readStates: ReadState[] = [];

  constructor(options: RaftStateOptions) {
    this.id = options.id;
    this.config = options.config;
    this.faults = options.faults;
    this.randomInt = options.randomInt;
    const { hardState, snapshotMeta } = options.storage.initialState();
    this.history = new ConfigurationHistory({ index: snapshotMeta.index, configuration: snapshotMeta.configuration });
    this.log = new RaftLog(options.storage, (entries) => this.onLogAppend(entries));
    this.observeStoredConfigurations(snapshotMeta.index);
    this.term = hardState.term;
    this.votedFor = hardState.votedFor;
    this.randomizedElectionTicks = this.config.electionTicks;
    this.resetRandomizedElectionTimeout();
  }

  configuration(): Configuration {
    return this.history.latest().configuration;
  }

  voters(): NodeId[] {
    return voterIds(this.configuration());
  }

  /**
   * Whether we may campaign. A voter of the configuration in effect may. So
   * may a voter that the newest change removed or demoted while that change
   * is not known to be committed (thesis §4.2.2, Figure 4.6): until it
   * commits we may be the only server that can be elected, since the others
   * may lack the change and so have shorter logs that we refuse to vote for.
   * Our own vote then counts nowhere: elections count by the newest
   * configuration, which leaves us out. Every config entry but the newest in
   * any log is committed (a leader proposes a change only after the one
   * before and an entry of its term commit), so the configuration before the
   * newest is the committed one.
   */
  isPromotable(): boolean {
    const latest = this.history.latest();
    if (isVoter(latest.configuration, this.id)) return true;
    if (latest.index <= this.log.committed) return false;
    return isVoter(this.history.at(latest.index - 1).configuration, this.id);
  }

  hardState(): HardState {
    return { term: toTerm(this.term), votedFor: this.votedFor, commit: toLogIndex(this.log.committed) };
  }

  /** The fields every message from us carries. */
  envelope(to: NodeId): { from: NodeId; to: NodeId; term: Term } {
    return { from: this.id, to, term: toTerm(this.term) };
  }

  send(message: Message): void {
    assert(message.to !== this.id, "a server never messages itself");
    this.messages.push(message);
  }

  resetRandomizedElectionTimeout(): void {
    const jitter = this.randomInt(this.config.electionTicks);
    assert(Number.isSafeInteger(jitter) && jitter >= 0 && jitter < this.config.electionTicks, "randomInt out of range");
    this.randomizedElectionTicks = this.config.electionTicks + jitter;
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTicks;
  }

  /** Back to a blank slate for `term` (any role change goes through here). */
  reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.votedFor = "";
    }
    this.leader = "";
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = "";
    this.votes.clear();
    this.progress.clear();
    this.pendingConfigIndex = 0;
    this.uncommittedBytes = 0;
    this.reads.clear();
    this.deferredReads.length = 0;
  }

  /** Leader: a fresh progress for every other member, probing from the end of our log. */
  initProgress(): void {
    this.progress.clear();
    this.syncProgress();
  }

  /** Leader: add progress for new members, drop it for removed ones. */
  syncProgress(): void {
    const configuration = this.configuration();
    for (const id of this.progress.keys()) if (!isMember(configuration, id)) this.progress.delete(id);
    for (const server of configuration.servers) {
      if (server.id === this.id || this.progress.has(server.id)) continue;
      this.progress.set(
        server.id,
        new Progress(this.log.lastIndex() + 1, this.config.inflightMessagesMax, this.config.inflightBytesMax),
      );
    }
    if (this.leadTransferee !== "" && !isVoter(configuration, this.leadTransferee)) this.leadTransferee = "";
  }

  progressOf(id: NodeId): Progress | undefined {
    return this.progress.get(id);
  }

  /** Leader: the match index of `id`; ours is what we have persisted, not what our log holds (thesis §10.2.1). */
  matchOf(id: NodeId): number {
    if (id === this.id) {
      return this.faults.countUnpersistedSelfMatch === true ? this.log.lastIndex() : this.log.persistedLastIndex();
    }
    return this.progress.get(id)?.match ?? 0;
  }

  /** Leader: the index a quorum of voters has replicated. */
  quorumMatch(): number {
    return committedIndex(this.voters(), (id) => this.matchOf(id));
  }

  pollVotes(): ReturnType<typeof voteOutcome> {
    return voteOutcome(this.voters(), (id) => this.votes.get(id));
  }

  /** On start: the configuration in effect is the newest in the stored log (thesis §4.1). */
  private observeStoredConfigurations(snapshotIndex: number): void {
    let next = Math.max(snapshotIndex + 1, this.log.firstIndex());
    const end = this.log.lastIndex() + 1;
    while (next < end) {
      const page = this.log.entries(next, end, this.config.messageBytesMax);
      assert(page !== null && page.length > 0, "stored entries above the snapshot are readable");
      this.history.observe(page);
      next += page.length;
    }
  }

  private onLogAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const before = this.history.latest();
    if (first.index <= before.index) this.history.truncateFrom(first.index);
    this.history.observe(entries);
    if (this.history.latest() !== before && this.role === "leader") this.syncProgress();
  }
}
