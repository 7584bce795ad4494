/**
 * The core: lifecycle (init, unseal, seal, step-down) and the facade HTTP
 * talks to. Lifecycle transitions run one at a time under a mutex; requests
 * run concurrently against the ActiveCore of the moment. Sealed means no
 * ActiveCore and a sealed barrier: every request but the sealed-safe
 * endpoints gets 503.
 */
import { type AesGcmBarrier, alreadyInitializedError } from "../barrier/index.js";
import { type Clock, CofferError, invalidRequest, Mutex, sealedError } from "../lib/index.js";
import { getJson, type Logger } from "../logical/index.js";
import { type CofferMetrics, metricNames } from "../metrics/index.js";
import type { Seal } from "../seal/index.js";
import { ActiveCore } from "./active.js";
import type {
  CoreFacade,
  HandledRequest,
  HealthStatus,
  IncomingRequest,
  InitRequest,
  InitResult,
  JoinRequest,
  LeaderStatus,
  MetricsFormat,
  MetricsOutput,
  SealStatus,
  ServingState,
} from "./facade.js";
import { Autopilot, type ClusterControl, clusterTlsStorageKey, JoinChallenges, type LeaderApiClientFactory } from "./ha/index.js";
import { JoinAttempt, retryJoin } from "./ha/joiner.js";
import { LeaderEntries } from "./ha/leader-entry.js";
import { renderMetricsJson } from "./metrics-json.js";
import type { BackendRegistry } from "./mounts/index.js";
import { raftPaths } from "./system/raft.js";

export interface CoreSettings {
  readonly defaultLeaseTtlSeconds: number;
  readonly maxLeaseTtlSeconds: number;
  readonly apiAddr: string;
  readonly clusterAddr: string;
  /** `inmem`, `file`, `raft`: what seal-status reports as storage_type. */
  readonly storageType: string;
  readonly version: string;
  readonly buildDate: string;
  /** 0 disables `sys/metrics?format=prometheus` (Vault: "prometheus is not enabled"). */
  readonly prometheusRetentionSeconds: number;
  /** How often autopilot reconciles (raft storage). */
  readonly autopilotReconcileIntervalMs?: number;
}

export interface CoreOptions {
  readonly barrier: AesGcmBarrier;
  readonly seal: Seal;
  readonly registry: BackendRegistry;
  readonly metrics: CofferMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly settings: CoreSettings;
  /** Raft storage: the cluster the node runs on (HA on). Undefined: single-node storage, HA off. */
  readonly cluster?: ClusterControl;
  /** How a joining node talks to a member's API (raft storage). */
  readonly leaderApiClient?: LeaderApiClientFactory;
}

/** How long init waits for a freshly bootstrapped one-node cluster to elect itself. */
const bootstrapLeaderTimeoutMs = 120_000;
/** How long a joined node waits to catch up with the leader before its barrier can be unsealed. */
const catchUpTimeoutMs = 120_000;

export class Core implements CoreFacade {
  readonly #options: CoreOptions;
  readonly #lifecycle = new Mutex();
  #active: ActiveCore | undefined;
  #activeSince: Date | undefined;
  // ---- raft storage only ----
  /** A join waiting for the operator's unseal shares. */
  #joining: JoinAttempt | undefined;
  #retryJoin: AbortController | undefined;
  #unwatchLeadership: (() => void) | undefined;
  /** Bumped on every leadership change, so a become-active in flight can tell it was overtaken. */
  #leaderEpoch = 0;
  #epochChanged: { promise: Promise<void>; resolve: () => void } = deferred();
  #challenges: JoinChallenges | undefined;
  #autopilot: Autopilot | undefined;
  readonly #leaderEntries: LeaderEntries | undefined;

  constructor(options: CoreOptions) {
    this.#options = options;
    if (options.cluster) {
      this.#leaderEntries = new LeaderEntries(options.barrier);
      this.#challenges = new JoinChallenges({ barrier: options.barrier, cluster: options.cluster, clock: options.clock });
      this.#autopilot = new Autopilot({
        cluster: options.cluster,
        barrier: options.barrier,
        clock: options.clock,
        logger: options.logger.child({ component: "autopilot" }),
        reconcileIntervalMs: options.settings.autopilotReconcileIntervalMs ?? 10_000,
        version: options.settings.version,
      });
    }
    this.#gauges();
  }

  async isInitialized(): Promise<boolean> {
    return this.#joining !== undefined || (await this.#options.seal.isInitialized());
  }

  async sealStatus(): Promise<SealStatus> {
    const settings = this.#options.settings;
    const joining = this.#joining;
    const status = joining
      ? {
          type: "shamir" as const,
          initialized: true,
          sealed: true,
          threshold: joining.challenge.secretThreshold,
          shares: joining.challenge.secretShares,
          progress: joining.collector.progress,
          nonce: joining.collector.nonce,
          recoverySeal: false,
        }
      : await this.#options.seal.status();
    const active = this.#active;
    return {
      type: status.type,
      initialized: status.initialized,
      sealed: status.sealed,
      t: status.threshold,
      n: status.shares,
      progress: status.progress,
      nonce: status.nonce,
      version: settings.version,
      build_date: settings.buildDate,
      migration: false,
      ...(active && !status.sealed ? { cluster_name: active.clusterInfo.name, cluster_id: active.clusterInfo.id } : {}),
      recovery_seal: status.recoverySeal,
      ...(status.recoverySeal ? { recovery_seal_type: "shamir" } : {}),
      storage_type: settings.storageType,
    };
  }

  initialize(request: InitRequest): Promise<InitResult> {
    return this.#lifecycle.runExclusive(async () => {
      const seal = this.#options.seal;
      const cluster = this.#options.cluster;
      let tlsKeyring: Record<string, unknown> | undefined;
      if (cluster) {
        if (cluster.hasState() || this.#joining || (await seal.isInitialized())) throw alreadyInitializedError();
        tlsKeyring = cluster.newTlsKeyring();
        await this.#bootstrapCluster(cluster, tlsKeyring);
      }
      let shares: Awaited<ReturnType<typeof seal.initialize>>;
      let rootToken: string;
      try {
        shares = await seal.initialize({
          ...(request.secretShares === undefined ? {} : { secretShares: request.secretShares }),
          ...(request.secretThreshold === undefined ? {} : { secretThreshold: request.secretThreshold }),
          ...(request.recoveryShares === undefined ? {} : { recoveryShares: request.recoveryShares }),
          ...(request.recoveryThreshold === undefined ? {} : { recoveryThreshold: request.recoveryThreshold }),
        });
      } catch (error) {
        if (cluster) await cluster.stop();
        throw error;
      }
      // The seal leaves the barrier unsealed so the core can write its first state.
      try {
        if (tlsKeyring) await this.#options.barrier.put(clusterTlsStorageKey, jsonBytes(tlsKeyring));
        const active = await this.#startActive();
        this.#setActive(active);
        rootToken = await active.createRootToken(this.#options.clock);
        this.#options.metrics.counter(metricNames.tokenCreateRoot).inc();
      } catch (error) {
        await this.#sealNow();
        throw error;
      }
      // Shamir ends sealed, as Vault does: the operator proves the shares work by unsealing.
      if (!seal.recoverySeal) await this.#sealNow();
      this.#options.logger.info({ shares: shares.keys.length, recoverySeal: seal.recoverySeal }, "core initialized");
      return {
        keys: [...shares.keys],
        keys_base64: [...shares.keysBase64],
        ...(seal.recoverySeal
          ? { recovery_keys: [...shares.recoveryKeys], recovery_keys_base64: [...shares.recoveryKeysBase64] }
          : {}),
        root_token: rootToken,
      };
    });
  }

  unseal(key: string): Promise<SealStatus> {
    return this.#lifecycle.runExclusive(async () => {
      if (this.#joining) {
        await this.#unsealJoining(this.#joining, key);
        return this.sealStatus();
      }
      const status = await this.#options.seal.submit(key);
      if (!status.sealed && !this.#active) {
        try {
          if (this.#options.cluster) await this.#startMember(this.#options.cluster);
          else this.#setActive(await this.#startActive());
        } catch (error) {
          this.#options.logger.error({ err: error }, "post-unseal setup failed; sealing again");
          await this.#sealNow();
          throw new CofferError("internal", "post-unseal setup failed", { cause: error });
        }
        this.#options.logger.info({}, "core unsealed");
      }
      return this.sealStatus();
    });
  }

  async resetUnseal(): Promise<SealStatus> {
    if (!this.#options.barrier.sealed()) throw invalidRequest("vault is unsealed");
    this.#options.seal.reset();
    this.#joining?.collector.reset();
    return this.sealStatus();
  }

  /** Auto-unseal at start-up (KMS seals); a no-op for Shamir. */
  unsealWithStoredKeys(): Promise<boolean> {
    return this.#lifecycle.runExclusive(async () => {
      if (!(await this.#options.seal.unsealWithStoredKeys())) return false;
      if (this.#options.cluster) await this.#startMember(this.#options.cluster);
      else if (!this.#active) this.#setActive(await this.#startActive());
      return true;
    });
  }

  /** sys/seal and shutdown: stop serving, forget the keys. */
  seal(): Promise<void> {
    return this.#lifecycle.runExclusive(() => this.#sealNow());
  }

  /**
   * Shutdown: stop joining, hand leadership to a caught-up standby if this
   * node is the active (a planned hand-over, not an election timeout), seal.
   */
  async shutdown(): Promise<void> {
    this.#retryJoin?.abort();
    await this.stepDown().catch((error: unknown) =>
      this.#options.logger.warn({ err: error }, "hand-over on shutdown failed"),
    );
    await this.seal();
  }

  async health(): Promise<HealthStatus> {
    const status = await this.sealStatus();
    const active = this.#active;
    return {
      initialized: status.initialized,
      sealed: status.sealed,
      standby: !status.sealed && !active,
      performance_standby: false,
      replication_performance_mode: "disabled",
      replication_dr_mode: "disabled",
      server_time_utc: Math.floor(this.#options.clock.nowMs() / 1000),
      version: this.#options.settings.version,
      enterprise: false,
      ...(active && !status.sealed ? { cluster_name: active.clusterInfo.name, cluster_id: active.clusterInfo.id } : {}),
    };
  }

  async leader(): Promise<LeaderStatus> {
    const cluster = this.#options.cluster;
    const settings = this.#options.settings;
    const base = {
      ha_enabled: false,
      is_self: false,
      active_time: "0001-01-01T00:00:00Z",
      leader_address: "",
      leader_cluster_address: "",
      performance_standby: false,
      performance_standby_last_remote_wal: 0,
    };
    // Vault answers ha_enabled:false without looking at the seal when HA is off (single-node storage).
    if (!cluster || !this.#leaderEntries) return base;
    if (this.#options.barrier.sealed()) throw sealedError();
    const status = cluster.status();
    const raftIndexes = { raft_committed_index: status?.commitIndex ?? 0, raft_applied_index: cluster.appliedIndex() };
    const activeSince = this.#activeSince;
    if (this.#active && activeSince) {
      return {
        ...base,
        ha_enabled: true,
        is_self: true,
        active_time: activeSince.toISOString(),
        leader_address: settings.apiAddr,
        leader_cluster_address: settings.clusterAddr,
        ...raftIndexes,
      };
    }
    const entry = status?.leaderId ? await this.#leaderEntries.read(status.leaderId) : undefined;
    return {
      ...base,
      ha_enabled: true,
      leader_address: entry?.api_addr ?? "",
      leader_cluster_address: entry?.cluster_addr ?? "",
      ...raftIndexes,
    };
  }

  servingState(): ServingState {
    if (this.#active) return { kind: "active" };
    return this.#options.barrier.sealed() ? { kind: "sealed" } : { kind: "standby" };
  }

  async handleRequest(request: IncomingRequest): Promise<HandledRequest> {
    const active = this.#active;
    if (!active) {
      if (this.#options.barrier.sealed()) throw sealedError();
      throw new CofferError("unavailable", "node is not active");
    }
    const inFlight = this.#options.metrics.gauge(metricNames.inFlightRequests);
    inFlight.inc();
    try {
      return await active.pipeline.handle(request);
    } finally {
      inFlight.dec();
    }
  }

  /**
   * sys/storage/raft/join: ask a member for a challenge (or, with `retry`,
   * keep asking in the background). The node must be sealed and have no
   * Raft state; one that has is already a member (`joined: true`).
   */
  async joinCluster(request: JoinRequest): Promise<{ joined: boolean }> {
    const cluster = this.#options.cluster;
    const factory = this.#options.leaderApiClient;
    if (!cluster || !factory) throw invalidRequest("raft storage is not in use");
    if (request.nonVoter) throw invalidRequest("non-voting nodes not allowed");
    if (request.target.leaderApiAddr === "") throw invalidRequest("leader_api_addr must be provided");
    if (cluster.hasState() || (await this.#options.seal.isInitialized())) return { joined: true };
    if (!this.#options.barrier.sealed()) throw new CofferError("internal", "node must be sealed before joining");
    if (request.retry) {
      this.startRetryJoin([request.target]);
      return { joined: false };
    }
    await this.#tryJoin(factory(request.target));
    return { joined: true };
  }

  /** `retry_join`: keeps asking the given members for a challenge until one answers (or the node is a member). */
  startRetryJoin(targets: JoinRequest["target"][]): void {
    const factory = this.#options.leaderApiClient;
    if (!factory || targets.length === 0 || this.#retryJoin) return;
    const controller = new AbortController();
    this.#retryJoin = controller;
    void retryJoin({
      targets,
      clientFactory: factory,
      logger: this.#options.logger,
      signal: controller.signal,
      tryJoin: (client) => this.#tryJoin(client),
    }).finally(() => {
      if (this.#retryJoin === controller) this.#retryJoin = undefined;
    });
  }

  async metrics(format: MetricsFormat): Promise<MetricsOutput> {
    const metrics = this.#options.metrics;
    if (format === "prometheus" && this.#options.settings.prometheusRetentionSeconds === 0) {
      throw invalidRequest("prometheus is not enabled");
    }
    if (format === "prometheus")
      return { contentType: metrics.prometheusContentType, body: await metrics.prometheusText() };
    return {
      contentType: "application/json",
      body: JSON.stringify(await renderMetricsJson(metrics.registry, this.#options.clock)),
    };
  }

  /** sys/step-down: hand leadership to a caught-up voter; nothing to do unless active with another voter. */
  async stepDown(): Promise<void> {
    const cluster = this.#options.cluster;
    if (!cluster || !this.#active) return;
    const others = cluster.status()?.servers.filter((server) => server.suffrage === "voter" && server.id !== cluster.nodeId);
    if (!others?.length) return;
    this.#options.logger.info({}, "stepping down: handing leadership over");
    await cluster.transferLeadership();
  }

  /** The services of the active node; undefined while sealed or standby. For the server and tests. */
  get active(): ActiveCore | undefined {
    return this.#active;
  }

  // ---- raft: bootstrap, members, leadership -----------------------------------

  async #bootstrapCluster(cluster: ClusterControl, tlsKeyring: Record<string, unknown>): Promise<void> {
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
  }

  /** An unsealed member: start Raft with the stored TLS keyring; leadership events decide active or standby. */
  async #startMember(cluster: ClusterControl): Promise<void> {
    if (!cluster.running()) {
      const keyring = await getJson<Record<string, unknown>>(this.#options.barrier, clusterTlsStorageKey);
      if (!keyring) throw new CofferError("internal", "the cluster TLS keyring is missing from storage");
      await cluster.start(keyring, { bootstrap: false });
    }
    this.#watchLeadership(cluster);
  }

  async #tryJoin(client: Parameters<typeof JoinAttempt.begin>[0]): Promise<boolean> {
    const cluster = this.#options.cluster;
    if (!cluster) return true;
    return this.#lifecycle.runExclusive(async () => {
      if (this.#joining || cluster.hasState() || (await this.#options.seal.isInitialized())) return true;
      this.#joining = await JoinAttempt.begin(client, cluster.nodeId, this.#options.seal.type);
      this.#options.logger.info({ leader: client.leaderApiAddr }, "join challenge received; waiting for unseal keys");
      return true;
    });
  }

  /** One share for a pending join; at the threshold: answer, start Raft, catch up, unseal the barrier. */
  async #unsealJoining(joining: JoinAttempt, key: string): Promise<void> {
    const cluster = this.#options.cluster;
    if (!cluster) return;
    const rootKey = await joining.submit(key);
    if (!rootKey) return;
    try {
      const data = await joining.answer(rootKey, cluster.nodeId, cluster.clusterAddress);
      const keyring = data.tls_keyring as Record<string, unknown> | undefined;
      const joinedAt = Number(keyring?.applied_index ?? 0);
      await cluster.start(keyring, { bootstrap: false });
      this.#joining = undefined;
      this.#options.logger.info({ joinedAt }, "joined the raft cluster; catching up");
      const deadline = Date.now() + catchUpTimeoutMs;
      while (cluster.appliedIndex() < joinedAt || !(await this.#options.seal.isInitialized())) {
        if (Date.now() > deadline) {
          throw new CofferError("unavailable", "joined the cluster but not caught up yet; unseal again later");
        }
        await sleepMs(50);
      }
      await this.#options.barrier.unseal(rootKey);
      this.#watchLeadership(cluster);
      this.#options.logger.info({}, "core unsealed (joined as a standby)");
    } finally {
      rootKey.fill(0);
    }
  }

  #watchLeadership(cluster: ClusterControl): void {
    if (this.#unwatchLeadership) return;
    this.#unwatchLeadership = cluster.onLeadership((change) => {
      this.#leaderEpoch += 1;
      const changed = this.#epochChanged;
      this.#epochChanged = deferred();
      changed.resolve();
      if (change.role === "leader") {
        const epoch = this.#leaderEpoch;
        this.#becomeActive(cluster, epoch).catch((error: unknown) =>
          this.#options.logger.error({ err: error }, "leadership setup failed; staying standby"),
        );
      } else if (this.#active) {
        this.#loseActive(cluster);
      }
    });
    // Already leader (a one-node cluster that elected itself before we listened).
    if (cluster.status()?.role === "leader") void this.#becomeActive(cluster, this.#leaderEpoch);
  }

  async #becomeActive(cluster: ClusterControl, epoch: number): Promise<void> {
    await this.#lifecycle.runExclusive(async () => {
      const current = () => epoch === this.#leaderEpoch && cluster.status()?.role === "leader";
      if (!current() || this.#active || this.#options.barrier.sealed()) return;
      cluster.setLinearizableReads(true);
      // The term's first entry applied: every write of earlier leaders is visible here now.
      const lost = this.#epochChanged.promise;
      for (;;) {
        const outcome = await Promise.race([cluster.readBarrier().then(() => "ready" as const), lost.then(() => "lost" as const)]).catch(() => "retry" as const);
        if (outcome === "ready") break;
        if (outcome === "lost" || !current()) return;
      }
      const started = await this.#startActive();
      if (!current()) {
        await started.stop();
        return;
      }
      this.#setActive(started);
      await this.#leaderEntries?.write(cluster.nodeId, this.#options.settings);
      this.#autopilot?.start();
      this.#options.logger.info({ term: cluster.status()?.term }, "this node is now the active node");
    });
  }

  /** Leadership lost: stop serving at once; tear down the active services behind the lifecycle lock. */
  #loseActive(cluster: ClusterControl): void {
    const active = this.#active;
    this.#active = undefined;
    this.#activeSince = undefined;
    this.#gauges();
    this.#options.logger.warn({}, "leadership lost, stopping active operation");
    const lostAt = performance.now();
    void this.#lifecycle
      .runExclusive(async () => {
        this.#options.metrics.observeSince(metricNames.leadershipLost, lostAt);
        this.#challenges?.clear();
        await this.#autopilot?.stop();
        await active?.stop();
        if (!this.#active) cluster.setLinearizableReads(false);
      })
      .catch((error: unknown) => this.#options.logger.error({ err: error }, "stopping the active services failed"));
  }

  async #startActive(): Promise<ActiveCore> {
    const started = performance.now();
    const settings = this.#options.settings;
    const active = await ActiveCore.start({
      barrier: this.#options.barrier,
      registry: this.#options.registry,
      metrics: this.#options.metrics,
      logger: this.#options.logger,
      clock: this.#options.clock,
      defaultLeaseTtlSeconds: settings.defaultLeaseTtlSeconds,
      maxLeaseTtlSeconds: settings.maxLeaseTtlSeconds,
      version: settings.version,
      lifecycle: {
        // Called from inside a request: sealing waits for the lifecycle lock, not for that request.
        seal: () => this.seal(),
        stepDown: () => this.stepDown(),
      },
      renderMetrics: (format) => this.metrics(format),
      extraSystemPaths: raftPaths({
        barrier: this.#options.barrier,
        cluster: this.#options.cluster,
        challenges: this.#challenges,
        autopilot: this.#autopilot,
      }),
    });
    this.#options.metrics.observeSince(metricNames.postUnseal, started);
    return active;
  }

  #setActive(active: ActiveCore): void {
    this.#active = active;
    this.#activeSince = new Date(this.#options.clock.nowMs());
    this.#gauges();
  }

  async #sealNow(): Promise<void> {
    const active = this.#active;
    this.#active = undefined;
    this.#activeSince = undefined;
    this.#unwatchLeadership?.();
    this.#unwatchLeadership = undefined;
    this.#challenges?.clear();
    await this.#autopilot?.stop();
    if (active) await active.stop();
    this.#options.seal.seal();
    const cluster = this.#options.cluster;
    if (cluster?.running()) {
      cluster.setLinearizableReads(false);
      await cluster.stop();
    }
    this.#gauges();
    this.#options.metrics.counter(metricNames.sealEvents, "times this node sealed").inc();
    this.#options.logger.info({}, "core sealed");
  }

  #gauges(): void {
    const metrics = this.#options.metrics;
    metrics.gauge(metricNames.coreUnsealed).set(this.#options.barrier.sealed() ? 0 : 1);
    metrics.gauge(metricNames.coreActive).set(this.#active ? 1 : 0);
  }

  get activeSince(): Date | undefined {
    return this.#activeSince;
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

function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
