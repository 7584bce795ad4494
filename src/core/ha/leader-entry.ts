/**
 * `core/leader/<node id>` (barrier-encrypted, as Vault's): a node's api_addr
 * and cluster_addr. The active writes its own when it becomes active, so a
 * standby can report `leader_address` and redirect clients, and a joiner's
 * when it is admitted, so sys/ha-status can list every member. Standbys read
 * it from their local FSM, cached per leader id until found.
 */
import type { AesGcmBarrier } from "../../barrier/index.js";
import { getJson, putJson } from "../../logical/index.js";

export interface LeaderEntry {
  readonly api_addr: string;
  readonly cluster_addr: string;
}

const leaderPrefix = "core/leader/";

export class LeaderEntries {
  readonly #barrier: AesGcmBarrier;
  #cached: { id: string; entry: LeaderEntry } | undefined;

  constructor(barrier: AesGcmBarrier) {
    this.#barrier = barrier;
  }

  async write(nodeId: string, addresses: { apiAddr: string; clusterAddr: string }): Promise<void> {
    const entry: LeaderEntry = { api_addr: addresses.apiAddr, cluster_addr: addresses.clusterAddr };
    await putJson(this.#barrier, `${leaderPrefix}${nodeId}`, entry);
    this.#cached = { id: nodeId, entry };
  }

  /** The entry of `nodeId`, or undefined when it has not reached this node yet. */
  async read(nodeId: string): Promise<LeaderEntry | undefined> {
    if (this.#cached?.id === nodeId) return this.#cached.entry;
    const entry = await getJson<LeaderEntry>(this.#barrier, `${leaderPrefix}${nodeId}`);
    if (entry) this.#cached = { id: nodeId, entry };
    return entry;
  }
}
