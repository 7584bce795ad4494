/**
 * The pure Raft core: no I/O, no timers, no clock, no randomness of its own.
 * Layers above import only from here.
 *
 * A driver owns one RaftNode and runs, in one loop (see ready.ts for the
 * order within a Ready):
 *
 *   feed inputs: node.step(message) for each received message, node.tick()
 *     per elapsed tick, node.propose(...) / proposeConfigChange / readIndex /
 *     transferLeadership / reportSnapshot / reportUnreachable
 *   while (node.hasReady()):
 *     ready = node.ready()
 *     send ready.messagesBeforePersist (a leader's appends: they may leave
 *       before or during the write below, thesis §10.2.1)
 *     persist ready.snapshot, ready.entries (truncating at entries[0].index),
 *       ready.hardState in one write, fsync if ready.mustSync; update the
 *       LogStorage the node reads (e.g. its MemoryStorage mirror)
 *     once that is durable, send ready.messages; on a failed installSnapshot stream call
 *       reportSnapshot(to, "failed"), on a finished one "finished"
 *     restore the FSM from ready.snapshot, apply ready.committedEntries;
 *       serve ready.readStates once applied >= their index
 *     node.advance()
 *
 * Founding servers persist `bootstrapLog(configuration)` before first start;
 * a server joining later starts with empty storage. On restart, pass the
 * FSM's durably applied index as `applied`. A proposal succeeded when an
 * entry with its (index, term) is applied, and failed (was never committed,
 * and never will be) when an entry of another term is applied at that index;
 * losing leadership in between decides nothing.
 * A config entry's data decodes with `decodeConfigEntry`; the configuration
 * to record in a snapshot taken at `applied` is `status().appliedConfiguration`.
 * Reads pending when leadership is lost are dropped: the driver times them out.
 */
export type {
  FollowerStatus,
  ProposeResult,
  RaftNodeOptions,
  RaftStatus,
  Refusal,
  Refused,
  RequestResult,
  SnapshotOutcome,
  UnsafeTestFaults,
} from "./api.js";
export { defaultRaftConfig, type RaftConfig, validateRaftConfig } from "./config.js";
export {
  applyConfigChange,
  bootstrapLog,
  type ConfigChangeRefusal,
  decodeConfigEntry,
  encodeConfigEntry,
  isMember,
  isVoter,
  voterIds,
} from "./membership.js";
export type {
  AppendEntries,
  AppendEntriesResponse,
  Heartbeat,
  HeartbeatResponse,
  InstallSnapshot,
  Message,
  MessageType,
  ReadIndexRequest,
  ReadIndexResponse,
  RequestVote,
  RequestVoteResponse,
  TimeoutNow,
} from "./messages.js";
export { messageTypes } from "./messages.js";
export { RaftNode } from "./node.js";
export type { ProgressState } from "./progress.js";
export type { ReadState, Ready, Role, SoftState } from "./ready.js";
export {
  emptyHardState,
  emptySnapshotMeta,
  entryBytes,
  entryOverheadBytes,
  type InitialState,
  type LogStorage,
  MemoryStorage,
} from "./storage.js";
export {
  type ConfigChange,
  type ConfigEntry,
  type Configuration,
  type Entry,
  type EntryKind,
  type HardState,
  type LogIndex,
  type NodeId,
  type Server,
  type Snapshot,
  type SnapshotMeta,
  type Suffrage,
  type Term,
  toLogIndex,
  toTerm,
} from "./types.js";
export { messageProblem } from "./validate.js";
