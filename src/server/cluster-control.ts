/**
 * The core's ClusterControl over the cluster layer's RaftStorage: the one
 * place that turns the core's calls into driver calls and hosts request
 * forwarding beside Raft on the cluster port.
 */
import {
  activeTlsPem,
  type ClusterTlsPem,
  type ExtraService,
  ForwardingClient,
  generateClusterTlsKeyring,
  type RaftStorage,
} from "../cluster/index.js";
import type { ClusterControl, ClusterStatus, LeadershipChange } from "../core/index.js";

/**
 * TEST-ONLY, UNSAFE: `COFFER_UNSAFE_STALE_READS=1` in the environment at
 * start-up makes the active read its local state without a readIndex round,
 * so an active cut off from the others serves stale reads until it notices.
 * It exists so the chaos tests (cluster-test/chaos) can show that their
 * linearizability checker catches such a bug. Never set it in production.
 */
const unsafeStaleReads = process.env.COFFER_UNSAFE_STALE_READS === "1";
if (unsafeStaleReads) {
  process.emitWarning("COFFER_UNSAFE_STALE_READS=1: the active skips readIndex (test-only, unsafe)");
}

export class RaftClusterControl implements ClusterControl {
  readonly nodeId: string;
  readonly clusterAddress: string;
  readonly storage: RaftStorage;
  readonly #services: () => readonly ExtraService[];
  #forwarding: ForwardingClient | undefined;

  /** `services`: what the cluster port serves besides Raft (request forwarding). */
  constructor(storage: RaftStorage, clusterAddress: string, services: () => readonly ExtraService[]) {
    this.storage = storage;
    this.nodeId = storage.nodeId;
    this.clusterAddress = clusterAddress;
    this.#services = services;
  }

  /** The client for forwarding to the active; undefined while Raft is not running. */
  get forwarding(): ForwardingClient | undefined {
    return this.#forwarding;
  }

  hasState(): boolean {
    return this.storage.hasState();
  }

  running(): boolean {
    return this.storage.running;
  }

  newTlsKeyring(): Record<string, unknown> {
    return { ...generateClusterTlsKeyring() };
  }

  async start(tlsKeyring: unknown, options: { bootstrap: boolean }): Promise<void> {
    const tls: ClusterTlsPem = activeTlsPem(tlsKeyring);
    await this.storage.start({ tls, extraServices: this.#services() }, { bootstrap: options.bootstrap });
    this.#forwarding?.close();
    this.#forwarding = new ForwardingClient(tls);
  }

  async stop(): Promise<void> {
    this.#forwarding?.close();
    this.#forwarding = undefined;
    await this.storage.stop();
  }

  status(): ClusterStatus | undefined {
    const status = this.storage.status();
    if (!status) return undefined;
    return {
      nodeId: this.nodeId,
      role: status.role,
      leaderId: status.leader,
      term: status.term,
      commitIndex: status.commitIndex,
      appliedIndex: status.appliedIndex,
      lastIndex: status.lastIndex,
      servers: status.configuration.servers.map((server) => ({
        id: server.id,
        address: server.address,
        suffrage: server.suffrage === "voter" ? "voter" : "nonVoter",
      })),
      followers: status.followers.map((follower) => ({ id: follower.id, matchIndex: follower.match })),
      lastContactMs: status.lastContactMs,
    };
  }

  appliedIndex(): number {
    return this.storage.appliedIndex();
  }

  onLeadership(listener: (change: LeadershipChange) => void): () => void {
    return this.storage.on((event) => {
      if (event.type === "leadership") listener({ role: event.role, leaderId: event.leader, term: event.term });
    });
  }

  async readBarrier(): Promise<void> {
    await this.storage.readBarrier();
  }

  setLinearizableReads(on: boolean): void {
    this.storage.setLinearizableReads(on && !unsafeStaleReads);
  }

  addNonVoter(id: string, address: string): Promise<{ index: number }> {
    return this.storage.addNonVoter(id, address);
  }

  addVoter(id: string, address: string): Promise<{ index: number }> {
    return this.storage.addVoter(id, address);
  }

  removeServer(id: string): Promise<{ index: number }> {
    return this.storage.removeServer(id);
  }

  transferLeadership(): Promise<void> {
    return this.storage.transferLeadership();
  }
}
