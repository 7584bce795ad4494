/**
 * How Raft messages travel between servers. The driver hands every outgoing
 * message to `send` and never waits: Raft tolerates loss, duplication and
 * reordering, so a transport drops (and counts) what it cannot deliver
 * rather than buffering without bound or blocking the driver. Snapshots are
 * the exception: `sendSnapshot` streams one and reports the outcome, which
 * the driver passes to the core (`reportSnapshot`).
 */
import type { InstallSnapshot, Message, NodeId, SnapshotMeta, Term } from "../../raft/index.js";

export interface Peer {
  readonly id: NodeId;
  /** Where the peer's cluster port listens ("host:port"); Raft's `Server.address`. */
  readonly address: string;
}

/** A snapshot arriving from a leader; `chunks` must be consumed to the end (or the handler rejects). */
export interface IncomingSnapshot {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
  readonly meta: SnapshotMeta;
  readonly chunks: AsyncIterable<Uint8Array>;
}

export interface TransportHandler {
  /** A message for this server arrived. Runs on the event loop: queue it, never block or throw. */
  onMessage(message: Message): void;
  /** Store a leader's snapshot; resolve once it is durable, reject to refuse it. */
  onSnapshot(snapshot: IncomingSnapshot): Promise<void>;
}

export type SnapshotSendOutcome = "finished" | "failed";

export interface TransportStats {
  readonly sent: number;
  readonly received: number;
  /** Messages dropped: peer unknown or down, queue full, or refused on arrival. */
  readonly dropped: number;
  /** Messages waiting in per-peer queues now. */
  readonly queued: number;
}

export interface Transport {
  /** This server's id, as `from` on everything it sends. */
  readonly id: NodeId;
  /** Starts accepting messages for this server. */
  start(handler: TransportHandler): Promise<void>;
  /** The address peers reach this server at (known after `start`). */
  address(): string;
  /** Replaces the set of peers and their addresses (on every configuration change). */
  setPeers(peers: readonly Peer[]): void;
  /** Queues `message` for `message.to`; never throws for network reasons, never blocks. */
  send(message: Message): void;
  /** Streams a snapshot to `message.to`. The message's own `snapshot.data` stays local; `chunks` are sent. */
  sendSnapshot(message: InstallSnapshot, chunks: AsyncIterable<Uint8Array>): Promise<SnapshotSendOutcome>;
  stats(): TransportStats;
  /** Stops sending and receiving; idempotent. */
  close(): Promise<void>;
}
