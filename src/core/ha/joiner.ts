/**
 * The joining side: a node without Raft state asks a member for a challenge,
 * shows the cluster's seal configuration in its seal-status, collects the
 * operator's unseal shares, and at the threshold proves it holds the keys.
 * `retryJoin` keeps asking every `retry_join` member until one answers.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { CofferError, invalidRequest } from "../../lib/index.js";
import type { Logger } from "../../logical/index.js";
import { checkKeyShareLength, decodeKeyShare, ShareCollector, unwrapRootKeyWithShares } from "../../seal/index.js";
import type { JoinTarget, LeaderApiClient, LeaderApiClientFactory } from "./cluster-control.js";
import { openChallenge, type ParsedChallenge, parseChallenge } from "./join.js";

export const retryJoinIntervalMs = 2_000;

/** A join in progress: the challenge and the shares collected so far. */
export class JoinAttempt {
  readonly client: LeaderApiClient;
  readonly collector = new ShareCollector();
  #challenge: ParsedChallenge;

  private constructor(client: LeaderApiClient, challenge: ParsedChallenge) {
    this.client = client;
    this.#challenge = challenge;
  }

  /** Asks `client` for a challenge for `nodeId`; a member of another seal type is refused. */
  static async begin(client: LeaderApiClient, nodeId: string, sealType: string): Promise<JoinAttempt> {
    let challenge: ParsedChallenge;
    try {
      challenge = parseChallenge(await client.challenge(nodeId));
    } catch (error) {
      throw new CofferError("internal", `failed to join raft cluster: ${(error as Error).message}`, { cause: error });
    }
    if (challenge.sealType !== sealType) {
      throw invalidRequest(
        `mismatching seal types between raft leader (${challenge.sealType}) and follower (${sealType})`,
      );
    }
    return new JoinAttempt(client, challenge);
  }

  get challenge(): ParsedChallenge {
    return this.#challenge;
  }

  /** Asks for a fresh challenge (the old one expired or the leader changed). */
  async refresh(nodeId: string): Promise<void> {
    this.#challenge = parseChallenge(await this.client.challenge(nodeId));
  }

  /**
   * Adds one share. Below the threshold: undefined. At it: the root key
   * (the caller zeroes it); shares of other keys: the invalid-key error, with
   * progress back at 0.
   */
  async submit(key: string): Promise<Uint8Array | undefined> {
    const part = decodeKeyShare(key);
    checkKeyShareLength(part);
    this.collector.add(part);
    if (this.collector.progress < this.#challenge.secretThreshold) return undefined;
    return unwrapRootKeyWithShares(this.collector.take(), this.#challenge.wrappedRootKey);
  }

  /** Answers the challenge with `rootKey`; retries once with a fresh challenge when the leader forgot ours. */
  async answer(
    rootKey: Uint8Array,
    nodeId: string,
    addresses: { readonly clusterAddr: string; readonly apiAddr: string },
  ): Promise<Record<string, unknown>> {
    const send = () => {
      const answer = openChallenge(this.#challenge, rootKey, nodeId);
      try {
        return this.client.answer({
          server_id: nodeId,
          answer: answer.toString("base64"),
          cluster_addr: addresses.clusterAddr,
          // Coffer's addition to Vault's answer: lets the active list this node's API address (sys/ha-status).
          api_addr: addresses.apiAddr,
          non_voter: false,
        });
      } finally {
        answer.fill(0);
      }
    };
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes("no expected answer")) throw error;
      await this.refresh(nodeId);
      return send();
    }
  }
}

export interface RetryJoinOptions {
  readonly targets: readonly JoinTarget[];
  readonly clientFactory: LeaderApiClientFactory;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Tries one member; resolves true when a join attempt is now pending (or nothing is left to do). */
  readonly tryJoin: (client: LeaderApiClient) => Promise<boolean>;
}

/** Tries every target each round (in parallel; the first that answers wins) until one succeeds or `signal` aborts. */
export async function retryJoin(options: RetryJoinOptions): Promise<void> {
  const clients = options.targets.map((target) => options.clientFactory(target));
  while (!options.signal.aborted) {
    for (const client of clients) {
      try {
        if (await options.tryJoin(client)) return;
      } catch (error) {
        options.logger.info(
          { leader: client.leaderApiAddr, err: (error as Error).message },
          "retry_join: member not ready; retrying",
        );
      }
      if (options.signal.aborted) return;
    }
    try {
      await sleep(retryJoinIntervalMs, undefined, { signal: options.signal });
    } catch {
      return;
    }
  }
}
