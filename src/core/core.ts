/**
 * The core: lifecycle (init, unseal, seal, step-down) and the facade HTTP
 * talks to. Lifecycle transitions run one at a time under a mutex; requests
 * run concurrently against the ActiveCore of the moment. Sealed means no
 * ActiveCore and a sealed barrier: every request but the sealed-safe
 * endpoints gets 503.
 */
import type { AesGcmBarrier } from "../barrier/index.js";
import { type Clock, CofferError, invalidRequest, Mutex, runInRequestScope, sealedError } from "../lib/index.js";
import type { Logger } from "../logical/index.js";
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
import { type ClusterControl, clusterTlsStorageKey, type LeaderApiClientFactory } from "./ha/index.js";
import { RaftNodeLifecycle } from "./ha/raft-node.js";
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

export class Core implements CoreFacade {
  readonly #options: CoreOptions;
  readonly #lifecycle = new Mutex();
  #active: ActiveCore | undefined;
  #activeSince: Date | undefined;
  /** Raft storage only: founding, joining, members and the HA state machine. */
  readonly #raft: RaftNodeLifecycle | undefined;

  constructor(options: CoreOptions) {
    this.#options = options;
    if (options.cluster) {
      if (!options.leaderApiClient) throw new CofferError("internal", "raft storage needs a leader API client");
      this.#raft = new RaftNodeLifecycle(
        {
          barrier: options.barrier,
          seal: options.seal,
          logger: options.logger,
          metrics: options.metrics,
          clock: options.clock,
          addresses: { apiAddr: options.settings.apiAddr, clusterAddr: options.settings.clusterAddr },
          version: options.settings.version,
          autopilotReconcileIntervalMs: options.settings.autopilotReconcileIntervalMs ?? 10_000,
          lifecycle: this.#lifecycle,
          startActive: () => this.#startActive(),
          setActive: (active) => this.#setActive(active),
          takeActive: () => this.#takeActive(),
          hasActive: () => this.#active !== undefined,
        },
        options.cluster,
        options.leaderApiClient,
      );
    }
    this.#gauges();
  }

  async isInitialized(): Promise<boolean> {
    return this.#raft?.joining !== undefined || (await this.#options.seal.isInitialized());
  }

  async sealStatus(): Promise<SealStatus> {
    const settings = this.#options.settings;
    const joining = this.#raft?.joining;
    // A joining node shows the cluster's seal configuration and its progress towards it, as Vault does.
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
      // Raft: found a one-voter cluster first, so init's writes are replicated entries.
      const tlsKeyring = this.#raft ? await this.#raft.bootstrap() : undefined;
      let shares: Awaited<ReturnType<typeof seal.initialize>>;
      try {
        shares = await seal.initialize({
          ...(request.secretShares === undefined ? {} : { secretShares: request.secretShares }),
          ...(request.secretThreshold === undefined ? {} : { secretThreshold: request.secretThreshold }),
          ...(request.recoveryShares === undefined ? {} : { recoveryShares: request.recoveryShares }),
          ...(request.recoveryThreshold === undefined ? {} : { recoveryThreshold: request.recoveryThreshold }),
        });
      } catch (error) {
        await this.#raft?.stopRaft();
        throw error;
      }
      // The seal leaves the barrier unsealed so the core can write its first state.
      let rootToken: string;
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
      const joining = this.#raft?.joining;
      if (this.#raft && joining) {
        await this.#raft.unsealJoining(joining, key);
        return this.sealStatus();
      }
      const status = await this.#options.seal.submit(key);
      if (!status.sealed && !this.#active) {
        try {
          await this.#afterUnseal();
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
    this.#raft?.joining?.collector.reset();
    return this.sealStatus();
  }

  /** Auto-unseal at start-up (KMS seals); a no-op for Shamir. */
  unsealWithStoredKeys(): Promise<boolean> {
    return this.#lifecycle.runExclusive(async () => {
      if (!(await this.#options.seal.unsealWithStoredKeys())) return false;
      if (!this.#active) await this.#afterUnseal();
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
    this.#raft?.abortJoin();
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
    const raft = this.#raft;
    if (!raft) return base;
    if (this.#options.barrier.sealed()) throw sealedError();
    const status = raft.cluster.status();
    const raftIndexes = {
      raft_committed_index: status?.commitIndex ?? 0,
      raft_applied_index: raft.cluster.appliedIndex(),
    };
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
    const entry = status?.leaderId ? await raft.leaderEntry(status.leaderId) : undefined;
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
      // The scope lets the storage layer confirm leadership once for the whole request.
      return await runInRequestScope(() => active.pipeline.handle(request));
    } finally {
      inFlight.dec();
    }
  }

  /** sys/storage/raft/join (served locally): the node must be sealed and have no Raft state. */
  async joinCluster(request: JoinRequest): Promise<{ joined: boolean }> {
    if (!this.#raft) throw invalidRequest("raft storage is not in use");
    return this.#raft.join(request);
  }

  /** `retry_join` at start-up: keep asking these members for a challenge until one answers. */
  startRetryJoin(targets: JoinRequest["target"][]): void {
    this.#raft?.startRetryJoin(targets);
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

  /** sys/step-down: hand leadership to a caught-up voter (raft storage); nothing to do otherwise. */
  async stepDown(): Promise<void> {
    await this.#raft?.stepDown();
  }

  /** The services of the active node; undefined while sealed or standby. For the server and tests. */
  get active(): ActiveCore | undefined {
    return this.#active;
  }

  get activeSince(): Date | undefined {
    return this.#activeSince;
  }

  /** Unsealed: single-node storage becomes active now; a raft member starts Raft and lets leadership decide. */
  async #afterUnseal(): Promise<void> {
    if (this.#raft) await this.#raft.startMember();
    else this.#setActive(await this.#startActive());
  }

  async #startActive(): Promise<ActiveCore> {
    const started = performance.now();
    const settings = this.#options.settings;
    const raft = this.#raft;
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
        version: settings.version,
        cluster: raft?.cluster,
        challenges: raft?.challenges,
        autopilot: raft?.autopilot,
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

  #takeActive(): ActiveCore | undefined {
    const active = this.#active;
    this.#active = undefined;
    this.#activeSince = undefined;
    this.#gauges();
    return active;
  }

  async #sealNow(): Promise<void> {
    const active = this.#takeActive();
    await this.#raft?.stop();
    if (active) await active.stop();
    this.#options.seal.seal();
    await this.#raft?.stopRaft();
    this.#gauges();
    this.#options.metrics.counter(metricNames.sealEvents, "times this node sealed").inc();
    this.#options.logger.info({}, "core sealed");
  }

  #gauges(): void {
    const metrics = this.#options.metrics;
    metrics.gauge(metricNames.coreUnsealed).set(this.#options.barrier.sealed() ? 0 : 1);
    metrics.gauge(metricNames.coreActive).set(this.#active ? 1 : 0);
  }
}

function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
