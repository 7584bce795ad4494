/**
 * The raft-storage half of the core's lifecycle: founding a cluster at init,
 * starting Raft when a member is unsealed, joining (challenge, shares,
 * answer, catch-up), and the HA state machine that leadership events drive:
 *
 * - leader, unsealed, its term's first entry applied (a read barrier) and
 *   post-unseal setup done -> active; `core/leader/<node id>` written,
 *   autopilot started;
 * - leadership lost -> not serving at once (before anything awaits), then the
 *   active services stop behind the lifecycle lock.
 *
 * Core owns the lifecycle mutex and the ActiveCore slot; this class calls
 * back into it through RaftHost.
 */
import { type AesGcmBarrier, alreadyInitializedError } from "../../barrier/index.js";
import { CofferError, invalidRequest, type Mutex } from "../../lib/index.js";
import { getJson, type Logger } from "../../logical/index.js";
import { type CofferMetrics, metricNames } from "../../metrics/index.js";
import type { Seal } from "../../seal/index.js";
import type { ActiveCore } from "../active.js";
import type { JoinRequest } from "../facade.js";
import { Autopilot } from "./autopilot.js";
import type { ClusterControl, LeaderApiClient, LeaderApiClientFactory } from "./cluster-control.js";
import { clusterTlsStorageKey, JoinChallenges } from "./join.js";
import { JoinAttempt, retryJoin } from "./joiner.js";
import { LeaderEntries, type LeaderEntry } from "./leader-entry.js";

/** How long init waits for a freshly bootstrapped one-node cluster to elect itself. */
const bootstrapLeaderTimeoutMs = 120_000;
/** How long a joined node waits to catch up with the leader before its barrier can be unsealed. */
const catchUpTimeoutMs = 120_000;

/** What the raft lifecycle needs of the Core. */
export interface RaftHost {
  readonly barrier: AesGcmBarrier;
  readonly seal: Seal;
  readonly logger: Logger;
  readonly metrics: CofferMetrics;
  readonly clock: { nowMs(): number };
  readonly addresses: { readonly apiAddr: string; readonly clusterAddr: string };
  readonly version: string;
  readonly autopilotReconcileIntervalMs: number;
  readonly lifecycle: Mutex;
  startActive(): Promise<ActiveCore>;
  setActive(active: ActiveCore): void;
  /** Clears the active slot synchronously (serving stops now) and returns what was there. */
  takeActive(): ActiveCore | undefined;
  hasActive(): boolean;
}

export class RaftNodeLifecycle {
  readonly cluster: ClusterControl;
  readonly challenges: JoinChallenges;
  readonly autopilot: Autopilot;
  readonly #host: RaftHost;
  readonly #clientFactory: LeaderApiClientFactory;
  readonly #leaderEntries: LeaderEntries;
  /** A join waiting for the operator's unseal shares. */
  #joining: JoinAttempt | undefined;
  #retryJoin: AbortController | undefined;
  #unwatchLeadership: (() => void) | undefined;
  /** Bumped on every leadership change, so a become-active in flight can tell it was overtaken. */
  #leaderEpoch = 0;
  #epochChanged = deferred();

  constructor(host: RaftHost, cluster: ClusterControl, clientFactory: LeaderApiClientFactory) {
    this.#host = host;
    this.cluster = cluster;
    this.#clientFactory = clientFactory;
    this.#leaderEntries = new LeaderEntries(host.barrier);
    this.challenges = new JoinChallenges({ barrier: host.barrier, cluster, clock: host.clock });
    this.autopilot = new Autopilot({
      cluster,
      barrier: host.barrier,
      clock: host.clock,
      logger: host.logger.child({ component: "autopilot" }),
      reconcileIntervalMs: host.autopilotReconcileIntervalMs,
      version: host.version,
    });
  }

  get joining(): JoinAttempt | undefined {
    return this.#joining;
  }

  /** Init: a new keyring, a one-voter cluster of this node, leadership, the term's first entry applied. */
  async bootstrap(): Promise<Record<string, unknown>> {
    const cluster = this.cluster;
    if (cluster.hasState() || this.#joining || (await this.#host.seal.isInitialized())) {
      throw alreadyInitializedError();
    }
    const tlsKeyring = cluster.newTlsKeyring();
    await cluster.start(tlsKeyring, { bootstrap: true });
    try {
      const deadline = Date.now() + bootstrapLeaderTimeoutMs;
      while (cluster.status()?.role !== "leader") {
        if (Date.now() > deadline) throw new CofferError("unavailable", "raft: no leader elected in the new cluster");
        await sleepMs(50);
      }
      cluster.setLinearizableReads(true);
      await cluster.readBarrier();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return tlsKeyring;
  }

  /** An unsealed member: start Raft with the stored TLS keyring; leadership events decide active or standby. */
  async startMember(): Promise<void> {
    const cluster = this.cluster;
    if (!cluster.running()) {
      const keyring = await getJson<Record<string, unknown>>(this.#host.barrier, clusterTlsStorageKey);
      if (!keyring) throw new CofferError("internal", "the cluster TLS keyring is missing from storage");
      await cluster.start(keyring, { bootstrap: false });
    }
    this.#watchLeadership();
  }

  /** Seal: stop the active services and Raft (a sealed node neither votes nor replicates). Under the lock. */
  async stop(): Promise<void> {
    this.#unwatchLeadership?.();
    this.#unwatchLeadership = undefined;
    this.challenges.clear();
    await this.autopilot.stop();
  }

  async stopRaft(): Promise<void> {
    if (!this.cluster.running()) return;
    this.cluster.setLinearizableReads(false);
    await this.cluster.stop();
  }

  /** Shutdown: stop retrying a join. */
  abortJoin(): void {
    this.#retryJoin?.abort();
  }

  /** sys/storage/raft/join: ask a member for a challenge (or, with `retry`, keep asking in the background). */
  async join(request: JoinRequest): Promise<{ joined: boolean }> {
    if (request.nonVoter) throw invalidRequest("non-voting nodes not allowed");
    if (request.target.leaderApiAddr === "") throw invalidRequest("leader_api_addr must be provided");
    if (this.cluster.hasState() || (await this.#host.seal.isInitialized())) return { joined: true };
    if (!this.#host.barrier.sealed()) throw new CofferError("internal", "node must be sealed before joining");
    if (request.retry) {
      this.startRetryJoin([request.target]);
      return { joined: false };
    }
    await this.#tryJoin(this.#clientFactory(request.target));
    return { joined: true };
  }

  /** `retry_join`: keeps asking the given members for a challenge until one answers (or the node is a member). */
  startRetryJoin(targets: JoinRequest["target"][]): void {
    if (targets.length === 0 || this.#retryJoin) return;
    const controller = new AbortController();
    this.#retryJoin = controller;
    void retryJoin({
      targets,
      clientFactory: this.#clientFactory,
      logger: this.#host.logger,
      signal: controller.signal,
      tryJoin: (client) => this.#tryJoin(client),
    }).finally(() => {
      if (this.#retryJoin === controller) this.#retryJoin = undefined;
    });
  }

  /** One share for a pending join; at the threshold: answer, start Raft, catch up, unseal the barrier. Under the lock. */
  async unsealJoining(joining: JoinAttempt, key: string): Promise<void> {
    const cluster = this.cluster;
    const rootKey = await joining.submit(key);
    if (!rootKey) return;
    try {
      const data = await joining.answer(rootKey, cluster.nodeId, {
        clusterAddr: cluster.clusterAddress,
        apiAddr: this.#host.addresses.apiAddr,
      });
      const keyring = data.tls_keyring as Record<string, unknown> | undefined;
      const joinedAt = Number(keyring?.applied_index ?? 0);
      await cluster.start(keyring, { bootstrap: false });
      this.#joining = undefined;
      this.#host.logger.info({ joinedAt }, "joined the raft cluster; catching up");
      const deadline = Date.now() + catchUpTimeoutMs;
      while (cluster.appliedIndex() < joinedAt || !(await this.#host.seal.isInitialized())) {
        if (Date.now() > deadline) {
          throw new CofferError("unavailable", "joined the cluster but not caught up yet; unseal again later");
        }
        await sleepMs(50);
      }
      await this.#host.barrier.unseal(rootKey);
      this.#watchLeadership();
      this.#host.logger.info({ appliedIndex: cluster.appliedIndex() }, "core unsealed (joined as a standby)");
    } finally {
      rootKey.fill(0);
    }
  }

  /** sys/step-down: hand leadership to a caught-up voter; nothing to do unless active with another voter. */
  async stepDown(): Promise<void> {
    const cluster = this.cluster;
    if (!this.#host.hasActive()) return;
    const others = cluster
      .status()
      ?.servers.filter((server) => server.suffrage === "voter" && server.id !== cluster.nodeId);
    if (!others?.length) return;
    this.#host.logger.info({}, "stepping down: handing leadership over");
    await cluster.transferLeadership();
  }

  /** The active's addresses as `core/leader/<id>` records them (a standby's view). */
  leaderEntry(leaderId: string): Promise<LeaderEntry | undefined> {
    return this.#leaderEntries.read(leaderId);
  }

  async #tryJoin(client: LeaderApiClient): Promise<boolean> {
    const cluster = this.cluster;
    return this.#host.lifecycle.runExclusive(async () => {
      if (this.#joining || cluster.hasState() || (await this.#host.seal.isInitialized())) return true;
      this.#joining = await JoinAttempt.begin(client, cluster.nodeId, this.#host.seal.type);
      this.#host.logger.info({ leader: client.leaderApiAddr }, "join challenge received; waiting for unseal keys");
      return true;
    });
  }

  #watchLeadership(): void {
    if (this.#unwatchLeadership) return;
    this.#unwatchLeadership = this.cluster.onLeadership((change) => {
      this.#leaderEpoch += 1;
      const changed = this.#epochChanged;
      this.#epochChanged = deferred();
      changed.resolve();
      if (change.role === "leader") this.#becomeActiveLater(this.#leaderEpoch);
      else if (this.#host.hasActive()) this.#loseActive();
    });
    // Already leader (a one-node cluster that elected itself before we listened).
    if (this.cluster.status()?.role === "leader") this.#becomeActiveLater(this.#leaderEpoch);
  }

  #becomeActiveLater(epoch: number): void {
    this.#becomeActive(epoch).catch((error: unknown) =>
      this.#host.logger.error({ err: error }, "leadership setup failed; staying standby"),
    );
  }

  async #becomeActive(epoch: number): Promise<void> {
    const cluster = this.cluster;
    const host = this.#host;
    await host.lifecycle.runExclusive(async () => {
      const current = () => epoch === this.#leaderEpoch && cluster.status()?.role === "leader";
      if (!current() || host.hasActive() || host.barrier.sealed()) return;
      cluster.setLinearizableReads(true);
      // The term's first entry applied: every write of earlier leaders is visible here now.
      const lost = this.#epochChanged.promise.then(() => "lost" as const);
      for (;;) {
        const outcome = await Promise.race([cluster.readBarrier().then(() => "ready" as const), lost]).catch(
          () => "retry" as const,
        );
        if (outcome === "ready") break;
        if (outcome === "lost" || !current()) return;
      }
      const started = await host.startActive();
      if (!current()) {
        await started.stop();
        return;
      }
      host.setActive(started);
      await this.#leaderEntries.write(cluster.nodeId, host.addresses);
      this.autopilot.start();
      host.logger.info({ term: cluster.status()?.term }, "this node is now the active node");
    });
  }

  /** Leadership lost: stop serving at once; tear down the active services behind the lifecycle lock. */
  #loseActive(): void {
    const host = this.#host;
    const active = host.takeActive();
    host.logger.warn({}, "leadership lost, stopping active operation");
    const lostAt = performance.now();
    void host.lifecycle
      .runExclusive(async () => {
        host.metrics.observeSince(metricNames.leadershipLost, lostAt);
        this.challenges.clear();
        await this.autopilot.stop();
        await active?.stop();
        if (!host.hasActive()) this.cluster.setLinearizableReads(false);
      })
      .catch((error: unknown) => host.logger.error({ err: error }, "stopping the active services failed"));
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
