/**
 * Autopilot, run by the active node (Vault's raft autopilot, our own code):
 * every reconcile interval it promotes a non-voter that has been healthy
 * (recent contact with the leader, caught up within max_trailing_logs) for
 * server_stabilization_time, and, when cleanup_dead_servers is on, removes a
 * server not heard from for dead_server_last_contact_threshold as long as the
 * voters left stay at or above min_quorum and above a majority. One
 * membership change per round. The configuration lives in the barrier at
 * core/raft/autopilot/configuration (only the fields a user set, merged over
 * the defaults, as Vault stores it).
 */
import type { AesGcmBarrier } from "../../barrier/index.js";
import { type Clock, formatDuration, invalidRequest } from "../../lib/index.js";
import { getJson, type Logger, putJson } from "../../logical/index.js";
import type { ClusterControl, ClusterStatus } from "./cluster-control.js";

export const autopilotStorageKey = "core/raft/autopilot/configuration";

export interface AutopilotConfig {
  readonly cleanupDeadServers: boolean;
  readonly lastContactThresholdSeconds: number;
  readonly deadServerLastContactThresholdSeconds: number;
  readonly maxTrailingLogs: number;
  readonly minQuorum: number;
  readonly serverStabilizationTimeSeconds: number;
  readonly disableUpgradeMigration: boolean;
}

export const autopilotDefaults: AutopilotConfig = {
  cleanupDeadServers: false,
  lastContactThresholdSeconds: 10,
  deadServerLastContactThresholdSeconds: 24 * 3600,
  maxTrailingLogs: 1000,
  minQuorum: 0,
  serverStabilizationTimeSeconds: 10,
  disableUpgradeMigration: false,
};

/** Vault's JSON shape (durations as Go strings). */
export function renderAutopilotConfig(config: AutopilotConfig): Record<string, unknown> {
  return {
    cleanup_dead_servers: config.cleanupDeadServers,
    last_contact_threshold: formatDuration(config.lastContactThresholdSeconds),
    dead_server_last_contact_threshold: formatDuration(config.deadServerLastContactThresholdSeconds),
    max_trailing_logs: config.maxTrailingLogs,
    min_quorum: config.minQuorum,
    server_stabilization_time: formatDuration(config.serverStabilizationTimeSeconds),
    disable_upgrade_migration: config.disableUpgradeMigration,
  };
}

/** Vault's validation of a merged configuration. */
export function validateAutopilotConfig(config: AutopilotConfig): void {
  if (config.cleanupDeadServers && config.minQuorum < 3) {
    throw invalidRequest("min_quorum must be set when cleanup_dead_servers is set and it should at least be 3");
  }
  if (config.cleanupDeadServers && config.deadServerLastContactThresholdSeconds < 60) {
    throw invalidRequest("dead_server_last_contact_threshold should not be set to less than 1m");
  }
  if (config.maxTrailingLogs < 0 || config.minQuorum < 0) throw invalidRequest("values must not be negative");
}

/** What is stored: only the fields a user set. */
export type StoredAutopilotConfig = Partial<AutopilotConfig>;

export async function loadAutopilotConfig(barrier: AesGcmBarrier): Promise<AutopilotConfig> {
  const stored = (await getJson<StoredAutopilotConfig>(barrier, autopilotStorageKey)) ?? {};
  return { ...autopilotDefaults, ...stored };
}

export async function storeAutopilotConfig(barrier: AesGcmBarrier, update: StoredAutopilotConfig): Promise<void> {
  const stored = (await getJson<StoredAutopilotConfig>(barrier, autopilotStorageKey)) ?? {};
  const merged = { ...stored, ...update };
  validateAutopilotConfig({ ...autopilotDefaults, ...merged });
  await putJson(barrier, autopilotStorageKey, merged);
}

interface ServerHealth {
  readonly id: string;
  readonly address: string;
  readonly voter: boolean;
  readonly leader: boolean;
  readonly healthy: boolean;
  readonly lastContactMs: number | undefined;
  readonly lastIndex: number;
  readonly stableSinceMs: number;
}

export interface AutopilotOptions {
  readonly cluster: ClusterControl;
  readonly barrier: AesGcmBarrier;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly reconcileIntervalMs: number;
  readonly version: string;
}

export class Autopilot {
  readonly #options: AutopilotOptions;
  /** Since when each server has been healthy without a break (ms), by id. */
  readonly #healthySinceMs = new Map<string, number>();
  readonly #startedMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #config: AutopilotConfig = autopilotDefaults;

  constructor(options: AutopilotOptions) {
    this.#options = options;
    this.#startedMs = options.clock.nowMs();
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.reconcile()
        .catch((error: unknown) => this.#options.logger.warn({ err: error }, "autopilot round failed"))
        .finally(() => {
          this.#running = undefined;
        });
    }, this.#options.reconcileIntervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One round: refresh health, then at most one promotion or removal. */
  async reconcile(): Promise<void> {
    this.#config = await loadAutopilotConfig(this.#options.barrier);
    const status = this.#options.cluster.status();
    if (status?.role !== "leader") return;
    const servers = this.#health(status);
    const nowMs = this.#options.clock.nowMs();
    const config = this.#config;
    const promotable = servers.find(
      (server) =>
        !server.voter && server.healthy && nowMs - server.stableSinceMs >= config.serverStabilizationTimeSeconds * 1000,
    );
    if (promotable) {
      this.#options.logger.info({ server: promotable.id }, "autopilot: promoting a stable non-voter to voter");
      await this.#options.cluster.addVoter(promotable.id, promotable.address);
      return;
    }
    if (!config.cleanupDeadServers) return;
    const voters = servers.filter((server) => server.voter).length;
    const dead = servers.find(
      (server) =>
        !server.leader &&
        nowMs - (server.lastContactMs ?? this.#startedMs) > config.deadServerLastContactThresholdSeconds * 1000,
    );
    if (!dead) return;
    const votersAfter = dead.voter ? voters - 1 : voters;
    const healthyVoters = servers.filter((server) => server.voter && server.healthy).length;
    if (votersAfter < config.minQuorum || healthyVoters < Math.floor(votersAfter / 2) + 1) return;
    this.#options.logger.info({ server: dead.id }, "autopilot: removing a dead server");
    await this.#options.cluster.removeServer(dead.id);
  }

  /** Vault's `sys/storage/raft/autopilot/state`. */
  state(): Record<string, unknown> {
    const status = this.#options.cluster.status();
    if (!status) return { healthy: false, failure_tolerance: 0, leader: "", voters: [], servers: {} };
    const servers = this.#health(status);
    const nowMs = this.#options.clock.nowMs();
    const voters = servers.filter((server) => server.voter);
    const healthyVoters = voters.filter((server) => server.healthy).length;
    const quorum = Math.floor(voters.length / 2) + 1;
    const nonVoters = servers.filter((server) => !server.voter).map((server) => server.id);
    const rendered: Record<string, unknown> = {};
    for (const server of servers) {
      rendered[server.id] = {
        id: server.id,
        name: server.id,
        address: server.address,
        node_status: server.healthy || server.leader ? "alive" : "unknown",
        last_contact: server.leader ? "0s" : contactAge(server.lastContactMs, nowMs),
        last_term: status.term,
        last_index: server.lastIndex,
        healthy: server.healthy,
        stable_since: new Date(server.stableSinceMs).toISOString(),
        status: server.leader ? "leader" : server.voter ? "voter" : "non-voter",
        version: this.#options.version,
        node_type: server.voter ? "voter" : "non-voter",
        meta: null,
      };
    }
    const failureTolerance = Math.max(0, healthyVoters - quorum);
    return {
      healthy: servers.every((server) => server.healthy) && healthyVoters >= quorum,
      failure_tolerance: failureTolerance,
      optimistic_failure_tolerance: failureTolerance,
      leader: status.nodeId,
      voters: voters.map((server) => server.id),
      non_voters: nonVoters.length ? nonVoters : null,
      servers: rendered,
    };
  }

  #health(status: ClusterStatus): ServerHealth[] {
    const nowMs = this.#options.clock.nowMs();
    const config = this.#config;
    const matchById = new Map(status.followers.map((follower) => [follower.id, follower.matchIndex]));
    const seen = new Set<string>();
    const result = status.servers.map((server): ServerHealth => {
      seen.add(server.id);
      const leader = server.id === status.nodeId;
      const lastContactMs = leader ? nowMs : status.lastContactMs.get(server.id);
      const lastIndex = leader ? status.lastIndex : (matchById.get(server.id) ?? 0);
      // A follower that has not acknowledged a single entry is not caught up, however recent its answers.
      const healthy =
        leader ||
        (lastContactMs !== undefined &&
          lastIndex > 0 &&
          nowMs - lastContactMs <= config.lastContactThresholdSeconds * 1000 &&
          status.lastIndex - lastIndex <= config.maxTrailingLogs);
      if (!healthy) this.#healthySinceMs.delete(server.id);
      else if (!this.#healthySinceMs.has(server.id)) this.#healthySinceMs.set(server.id, nowMs);
      return {
        id: server.id,
        address: server.address,
        voter: server.suffrage === "voter",
        leader,
        healthy,
        lastContactMs,
        lastIndex,
        stableSinceMs: this.#healthySinceMs.get(server.id) ?? nowMs,
      };
    });
    for (const id of this.#healthySinceMs.keys()) if (!seen.has(id)) this.#healthySinceMs.delete(id);
    return result;
  }
}

function contactAge(lastContactMs: number | undefined, nowMs: number): string {
  if (lastContactMs === undefined) return "never";
  const ms = Math.max(0, nowMs - lastContactMs);
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(3).replace(/\.?0+$/, "")}s`;
}
