/**
 * Every message Raft servers exchange. Plain data, discriminated on `type`,
 * so the transport can map each one onto a protobuf message field for field
 * (no Maps, no classes, bytes as Uint8Array, 64-bit numbers as safe integers
 * converted at the transport boundary).
 *
 * Every message carries the sender's current term (`term`): the receiver
 * steps down on a higher term and answers or drops a lower one (Raft §5.1).
 * The one exception is documented on `requestVote` with `preVote`.
 */
import type { Entry, LogIndex, NodeId, Snapshot, Term } from "./types.js";

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

/**
 * Leader -> follower: append `entries` after (`prevLogIndex`, `prevLogTerm`)
 * (Raft §5.3). An empty `entries` is a probe. `commit` is the leader's commit
 * index; the follower commits up to min(commit, last index it now shares).
 */
export interface AppendEntries extends Envelope {
  readonly type: "appendEntries";
  readonly prevLogIndex: LogIndex;
  readonly prevLogTerm: Term;
  readonly entries: readonly Entry[];
  readonly commit: LogIndex;
}

/**
 * Follower -> leader, answering `appendEntries` or `installSnapshot`.
 *
 * Accepted (`reject` false): `index` is the last index the follower now
 * shares with the leader. Rejected: `index` is the `prevLogIndex` that did
 * not match, and (`hintIndex`, `hintTerm`) is the follower's last entry at or
 * below `index` whose term is <= the leader's `prevLogTerm`, so the leader
 * can skip a whole term of conflicting entries per round trip (§5.3, the
 * "fast backtracking" optimisation). `hintTerm` 0 means "unknown".
 */
export interface AppendEntriesResponse extends Envelope {
  readonly type: "appendEntriesResponse";
  readonly reject: boolean;
  readonly index: LogIndex;
  readonly hintIndex: LogIndex;
  readonly hintTerm: Term;
}

/**
 * Leader -> follower, every heartbeat interval: asserts leadership and
 * carries commit = min(follower's match, leader's commit). A non-empty
 * `context` belongs to a ReadIndex round and is echoed in the response.
 */
export interface Heartbeat extends Envelope {
  readonly type: "heartbeat";
  readonly commit: LogIndex;
  readonly context: Uint8Array;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: "heartbeatResponse";
  readonly context: Uint8Array;
}

/**
 * Candidate -> voter (Raft §5.2, §5.4.1). With `preVote` the sender has not
 * incremented its own term: `term` is the term it would campaign in, and a
 * receiver neither adopts that term nor records a vote (Raft thesis §9.6).
 * `leadershipTransfer` marks a campaign started by `timeoutNow`: voters then
 * disregard their leader lease (thesis §3.10, §4.2.3).
 */
export interface RequestVote extends Envelope {
  readonly type: "requestVote";
  readonly preVote: boolean;
  readonly lastLogIndex: LogIndex;
  readonly lastLogTerm: Term;
  readonly leadershipTransfer: boolean;
}

/**
 * A granted pre-vote carries the term of the request (the voter's future);
 * every other response carries the voter's current term.
 */
export interface RequestVoteResponse extends Envelope {
  readonly type: "requestVoteResponse";
  readonly preVote: boolean;
  readonly granted: boolean;
}

/**
 * Leader -> follower whose next entry was compacted away (Raft §7). The
 * follower answers with an `appendEntriesResponse`. The leader learns the
 * transfer's outcome from its driver (`reportSnapshot`), not from a message.
 */
export interface InstallSnapshot extends Envelope {
  readonly type: "installSnapshot";
  readonly snapshot: Snapshot;
}

/** Leader -> its chosen successor: start an election now (thesis §3.10). */
export interface TimeoutNow extends Envelope {
  readonly type: "timeoutNow";
}

/**
 * Follower -> leader: a linearizable read was asked of the follower; the
 * leader answers with the commit index to wait for (thesis §6.4). `context`
 * is the caller's identifier for the read, echoed back.
 */
export interface ReadIndexRequest extends Envelope {
  readonly type: "readIndex";
  readonly context: Uint8Array;
}

/** Leader -> follower: the read identified by `context` may be served once `index` is applied. */
export interface ReadIndexResponse extends Envelope {
  readonly type: "readIndexResponse";
  readonly index: LogIndex;
  readonly context: Uint8Array;
}

export type Message =
  | AppendEntries
  | AppendEntriesResponse
  | Heartbeat
  | HeartbeatResponse
  | RequestVote
  | RequestVoteResponse
  | InstallSnapshot
  | TimeoutNow
  | ReadIndexRequest
  | ReadIndexResponse;

export type MessageType = Message["type"];

/** Every message type, for exhaustive tables (transport codecs, tests). */
export const messageTypes: readonly MessageType[] = [
  "appendEntries",
  "appendEntriesResponse",
  "heartbeat",
  "heartbeatResponse",
  "requestVote",
  "requestVoteResponse",
  "installSnapshot",
  "timeoutNow",
  "readIndex",
  "readIndexResponse",
];
