/**
 * The standby's Forwarder: find the Raft leader's cluster address in the
 * configuration and forward over the cluster port. While no leader is known,
 * or the leader refuses because it is not active yet (it did not run the
 * request), try again for a short while, then answer Vault's 503
 * `no active Vault instance found`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ForwardRefusedError } from "../cluster/index.js";
import type { ForwardedRequest, ForwardedResponse, Forwarder } from "../http/index.js";
import { CofferError } from "../lib/index.js";
import type { RaftClusterControl } from "./cluster-control.js";

/** How long a standby waits for an active to appear (an election in progress) before answering 503. */
const noActiveWaitMs = 2_000;
const retryIntervalMs = 100;
/** How long one attempt waits for a connection: a leader that just died must not eat the whole wait. */
const connectWaitMs = 300;

export class ClusterForwarder implements Forwarder {
  readonly #control: RaftClusterControl;

  constructor(control: RaftClusterControl) {
    this.#control = control;
  }

  async forward(request: ForwardedRequest): Promise<ForwardedResponse> {
    const deadlineMs = Date.now() + noActiveWaitMs;
    for (;;) {
      const address = this.#leaderAddress();
      const client = this.#control.forwarding;
      if (address && client) {
        try {
          return await client.forward(address, request, Math.min(deadlineMs, Date.now() + connectWaitMs));
        } catch (error) {
          if (!(error instanceof ForwardRefusedError)) throw error;
        }
      }
      if (Date.now() >= deadlineMs) throw new CofferError("unavailable", "no active Vault instance found");
      await sleep(retryIntervalMs);
    }
  }

  #leaderAddress(): string | undefined {
    const status = this.#control.storage.status();
    if (!status || status.leader === "" || status.leader === this.#control.nodeId) return undefined;
    return status.configuration.servers.find((server) => server.id === status.leader)?.address;
  }
}
