/**
 * What the core needs of the Raft cluster it runs on. Declared here and
 * implemented by the server over src/cluster, so the core never imports the
 * cluster layer. Undefined in CoreOptions means single-node storage: HA off.
 */

export type ClusterRole = "leader" | "follower" | "candidate" | "preCandidate";
export type ClusterSuffrage = "voter" | "nonVoter";

export interface ClusterServer {
  readonly id: string;
  /** host:port of its cluster port. */
  readonly address: string;
  readonly suffrage: ClusterSuffrage;
}

export interface ClusterFollower {
  readonly id: string;
  /** Highest log index known replicated on it. */
  readonly matchIndex: number;
}

export interface ClusterStatus {
  readonly nodeId: string;
  readonly role: ClusterRole;
  /** "" when no leader is known. */
  readonly leaderId: string;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly servers: readonly ClusterServer[];
  /** Leader only: each follower's replication progress. */
  readonly followers: readonly ClusterFollower[];
  /** When each peer was last heard from (ms since the epoch). */
  readonly lastContactMs: ReadonlyMap<string, number>;
}

export interface LeadershipChange {
  readonly role: ClusterRole;
  readonly leaderId: string;
  readonly term: number;
}

export interface ClusterControl {
  readonly nodeId: string;
  /** host:port peers reach this node at (the address recorded in the configuration). */
  readonly clusterAddress: string;
  /** Whether this node founded or joined a cluster (has Raft state). */
  hasState(): boolean;
  /** Whether the driver and the cluster port are running. */
  running(): boolean;
  /** A new cluster TLS keyring (JSON), at init. */
  newTlsKeyring(): Record<string, unknown>;
  /** Starts the driver and the cluster port with the keyring; `bootstrap` founds a one-voter cluster. */
  start(tlsKeyring: unknown, options: { bootstrap: boolean }): Promise<void>;
  stop(): Promise<void>;
  status(): ClusterStatus | undefined;
  /** The local FSM's applied index, running or not. */
  appliedIndex(): number;
  onLeadership(listener: (change: LeadershipChange) => void): () => void;
  /** Resolves once this node has applied everything committed now (for a new leader: its term's first entry). */
  readBarrier(): Promise<void>;
  /** Storage reads linearizable (active) or local (standby). */
  setLinearizableReads(on: boolean): void;
  addNonVoter(id: string, address: string): Promise<{ index: number }>;
  addVoter(id: string, address: string): Promise<{ index: number }>;
  removeServer(id: string): Promise<{ index: number }>;
  /** Hands leadership to a caught-up voter; resolves once this node is no longer leader. */
  transferLeadership(): Promise<void>;
}

/** How a joining node reaches a member's API (implemented by the server over HTTP(S)). */
export interface LeaderApiClient {
  readonly leaderApiAddr: string;
  /** PUT sys/storage/raft/bootstrap/challenge: the envelope's `data`. */
  challenge(serverId: string): Promise<Record<string, unknown>>;
  /** PUT sys/storage/raft/bootstrap/answer: the envelope's `data`. */
  answer(body: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** Where to join: `sys/storage/raft/join`'s body, or one `retry_join` stanza. */
export interface JoinTarget {
  readonly leaderApiAddr: string;
  readonly leaderCaCert?: string;
  readonly leaderClientCert?: string;
  readonly leaderClientKey?: string;
  readonly leaderTlsServerName?: string;
}

export type LeaderApiClientFactory = (target: JoinTarget) => LeaderApiClient;
