/**
 * The pure Raft core: no I/O, no timers, no clock, no randomness of its own.
 * Layers above import only from here.
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
