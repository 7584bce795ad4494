/** `storage` stanza -> a physical Backend (raft: the cluster layer's RaftStorage). */
import { RaftStorage } from "../cluster/index.js";
import type { RaftStorageConfig, StorageConfig } from "../config/index.js";
import { CofferError } from "../lib/index.js";
import { type Backend, InmemBackend, LevelDbBackend } from "../physical/index.js";

/** One Raft tick; timeouts are counted in ticks. */
const raftTickMs = 100;

export async function openStorage(config: StorageConfig, cluster?: RaftBinding): Promise<Backend> {
  switch (config.type) {
    case "inmem":
      return new InmemBackend();
    case "file":
      return LevelDbBackend.open({ path: config.path });
    case "raft":
      if (!cluster) throw new CofferError("invalid_request", 'storage "raft" needs a cluster address');
      return openRaftStorage(config, cluster);
  }
}

/** Where the cluster port binds and what peers are told to dial. */
export interface RaftBinding {
  readonly listenAddress: string;
  readonly advertiseAddress: string;
}

/**
 * Vault's performance_multiplier scales the timeouts: 1 is the fastest
 * (heartbeat every 100 ms, election after 1-2 s without a leader), the
 * default 5 gives 500 ms and 5-10 s, as hashicorp/raft's 1 s x multiplier.
 */
export function raftTiming(multiplier: number): { tickMs: number; electionTicks: number; heartbeatTicks: number } {
  return { tickMs: raftTickMs, electionTicks: 10 * multiplier, heartbeatTicks: multiplier };
}

export function openRaftStorage(config: RaftStorageConfig, binding: RaftBinding): Promise<RaftStorage> {
  const timing = raftTiming(config.performanceMultiplier);
  return RaftStorage.open({
    dataDir: config.path,
    ...(config.nodeId === undefined ? {} : { nodeId: config.nodeId }),
    clusterListenAddress: binding.listenAddress,
    clusterAdvertiseAddress: binding.advertiseAddress,
    tickMs: timing.tickMs,
    raft: { electionTicks: timing.electionTicks, heartbeatTicks: timing.heartbeatTicks },
    snapshotThreshold: config.snapshotThreshold,
    trailingLogs: config.trailingLogs,
    maxEntryBytes: config.maxEntrySizeBytes,
  });
}
