/**
 * The types of RaftNode's public methods: options, results and status.
 */
import type { RaftConfig } from "./config.js";
import type { ProgressState } from "./progress.js";
import type { Role } from "./ready.js";
import type { LogStorage } from "./storage.js";
import type { Configuration, LogIndex, NodeId, Term } from "./types.js";

/**
 * Deliberate defects for tests that prove the simulator's checkers can fail.
 * Never set outside tests.
 */
export interface UnsafeTestFaults {
  /** Grant votes without the §5.4.1 up-to-date check (breaks leader completeness). */
  readonly grantVotesIgnoringLog?: boolean;
  /**
   * Count the leader's own entries in the commit quorum as soon as they are
   * in its log, before the driver persisted them (breaks thesis §10.2.1 once
   * appends leave before the leader's own write: a commit index that only an
   * unsynced copy supports can reach a follower).
   */
  readonly countUnpersistedSelfMatch?: boolean;
  /**
   * Commit an entry of an earlier term as soon as a quorum holds it, without
   * waiting for an entry of the leader's own term (breaks Raft §5.4.2, the
   * situation of Figure 8: a later leader may still overwrite such an entry).
   */
  readonly commitOlderTermsByCounting?: boolean;
}

export interface RaftNodeOptions {
  readonly id: NodeId;
  readonly storage: LogStorage;
  readonly config?: Partial<RaftConfig>;
  /** A uniform integer in [0, boundExclusive): the only randomness the core uses (election timeouts). */
  readonly randomInt: (boundExclusive: number) => number;
  /**
   * The highest index the FSM has durably applied; committed entries after
   * it are handed out again. Defaults to the snapshot's index.
   */
  readonly applied?: LogIndex;
  readonly unsafeTestFaults?: UnsafeTestFaults;
}

/** Why a request to the core was refused. The caller may retry or redirect to `leader`. */
export type Refusal =
  | "notLeader"
  | "transferInProgress"
  | "configChangePending"
  | "uncommittedBytesExceeded"
  | "readQueueFull"
  | "noLeader"
  | "noChange"
  | "unknownServer"
  | "wouldLeaveNoVoters"
  | "notVoter"
  | "invalidContext";

export interface Refused {
  readonly ok: false;
  readonly reason: Refusal;
  /** The leader as this server knows it ("" for none), to redirect to. */
  readonly leader: NodeId;
}

/** A proposal appended to the leader's log; it is applied at (`index`, `term`) if it commits. */
export type ProposeResult = { readonly ok: true; readonly index: LogIndex; readonly term: Term } | Refused;

export type RequestResult = { readonly ok: true } | Refused;

export type SnapshotOutcome = "finished" | "failed";

export interface FollowerStatus {
  readonly id: NodeId;
  readonly match: LogIndex;
  readonly next: LogIndex;
  readonly state: ProgressState;
  readonly recentActive: boolean;
  readonly inflightMessages: number;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: Term;
  readonly votedFor: NodeId;
  readonly leader: NodeId;
  readonly commit: LogIndex;
  readonly applied: LogIndex;
  readonly firstIndex: LogIndex;
  readonly lastIndex: LogIndex;
  /** The configuration in effect: the newest in the log, committed or not. */
  readonly configuration: Configuration;
  /** The configuration as of `applied`: what a snapshot taken now must record. */
  readonly appliedConfiguration: Configuration;
  /** The target of a leadership transfer in progress, or "". */
  readonly leadTransferee: NodeId;
  /** Per-follower replication state; empty unless leader. */
  readonly followers: readonly FollowerStatus[];
}
