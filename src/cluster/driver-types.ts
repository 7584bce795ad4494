/** The driver's public types: its options, the events it emits, its status. */
import type { Configuration, FollowerStatus, NodeId, RaftConfig, Role, Term } from "../raft/index.js";
import type { Transport, TransportStats } from "./transport/transport.js";

export interface RaftDriverOptions {
  readonly id: NodeId;
  /** Holds `node.db` (log, hard state, FSM) and `snapshots/`. */
  readonly dataDir: string;
  /** Owned by the driver from now on: it starts it and closes it. */
  readonly transport: Transport;
  /** For a founding server of a new cluster: its first configuration (same on every founder). */
  readonly bootstrap?: Configuration;
  readonly raft?: Partial<RaftConfig>;
  /** Length of one core tick; election and heartbeat timeouts are counted in ticks. */
  readonly tickMs?: number;
  /** Take a snapshot once this many entries were applied since the last one (Vault: snapshot_threshold). */
  readonly snapshotThreshold?: number;
  /** Entries kept behind a snapshot for slow followers (Vault: trailing_logs). */
  readonly trailingLogs?: number;
  readonly snapshotRetain?: number;
  readonly entryCacheBytesMax?: number;
  /**
   * How long the driver may stay idle with FSM effects applied only in memory
   * before writing them in a synced batch of their own (default 10 ms). Under
   * load they ride in the next log append's fsync instead.
   */
  readonly fsmFlushDelayMs?: number;
  /** Deadline of a proposal, read, membership change or transfer. */
  readonly requestTimeoutMs?: number;
  /** Randomness for election timeouts; uniform in [0, bound). */
  readonly randomInt?: (boundExclusive: number) => number;
}

export type DriverEvent =
  | { readonly type: "leadership"; readonly role: Role; readonly leader: NodeId; readonly term: Term }
  | { readonly type: "configuration"; readonly configuration: Configuration }
  | { readonly type: "snapshot"; readonly index: number; readonly term: number; readonly installed: boolean }
  /** Something went wrong that the server survives (a snapshot could not be taken). */
  | { readonly type: "warning"; readonly error: unknown }
  /** The server stopped: every later call rejects; close it and reopen from disk. */
  | { readonly type: "failed"; readonly error: unknown };

export interface DriverStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: Term;
  readonly leader: NodeId;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly configuration: Configuration;
  /** Replication progress of each follower; empty unless leader. */
  readonly followers: readonly FollowerStatus[];
  /** Synced LevelDB writes, entries they persisted: entries per fsync is the batching factor. */
  readonly syncedWrites: number;
  readonly entriesPersisted: number;
  readonly transport: TransportStats;
}
