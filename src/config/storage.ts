/** `storage "inmem" | "file" | "raft" { ... }` */
import { isHttpUrl } from "./addresses.js";
import { type Env, envFlag, vaultEnv } from "./env.js";
import type { BlockReader } from "./reader.js";
import type { RaftStorageConfig, RetryJoinConfig, StorageConfig } from "./types.js";

export const raftDefaults = {
  performanceMultiplier: 5,
  trailingLogs: 10_000,
  snapshotThreshold: 8192,
  snapshotIntervalSeconds: 120,
  maxEntrySizeBytes: 1_048_576,
  autopilotReconcileIntervalMs: 10_000,
  autopilotUpdateIntervalMs: 2_000,
} as const;

const unsupportedStorageTypes = new Set([
  "consul",
  "etcd",
  "postgresql",
  "mysql",
  "s3",
  "dynamodb",
  "gcs",
  "zookeeper",
]);

function pemPair(reader: BlockReader, inlineKey: string): { file: string | undefined; inline: string | undefined } {
  const fileKey = `${inlineKey}_file`;
  const file = reader.string(fileKey);
  const inline = reader.string(inlineKey);
  if (file !== undefined && inline !== undefined)
    reader.fail(inlineKey, `set "${fileKey}" or "${inlineKey}", not both`);
  return { file, inline };
}

function decodeRetryJoin(reader: BlockReader): RetryJoinConfig | undefined {
  const leaderApiAddr = reader.string("leader_api_addr");
  for (const key of ["auto_join", "auto_join_scheme", "auto_join_port"]) {
    if (reader.has(key)) {
      reader.fail(key, `"${key}" (cloud auto-discovery) is not supported; list each member with leader_api_addr`);
    }
    reader.string(key);
  }
  const leaderTlsServerName = reader.string("leader_tls_servername");
  const caCert = pemPair(reader, "leader_ca_cert");
  const clientCert = pemPair(reader, "leader_client_cert");
  const clientKey = pemPair(reader, "leader_client_key");
  reader.finish();
  if (leaderApiAddr === undefined) {
    if (!reader.has("auto_join")) reader.fail(undefined, '"leader_api_addr" is required');
    return undefined;
  }
  if (!isHttpUrl(leaderApiAddr)) {
    reader.fail("leader_api_addr", `"leader_api_addr" must be an http(s) URL, got "${leaderApiAddr}"`);
    return undefined;
  }
  return {
    leaderApiAddr,
    leaderTlsServerName,
    leaderCaCertFile: caCert.file,
    leaderClientCertFile: clientCert.file,
    leaderClientKeyFile: clientKey.file,
    leaderCaCert: caCert.inline,
    leaderClientCert: clientCert.inline,
    leaderClientKey: clientKey.inline,
  };
}

function decodeRaft(reader: BlockReader, env: Env): RaftStorageConfig | undefined {
  const pathFromFile = reader.string("path");
  const path = vaultEnv(env, "VAULT_RAFT_PATH") ?? pathFromFile;
  const nodeIdFromFile = reader.string("node_id");
  const nodeId = vaultEnv(env, "VAULT_RAFT_NODE_ID") ?? nodeIdFromFile;
  const multiplier = reader.integer("performance_multiplier", { min: 0, max: 10 });
  const nonVoterEnv = vaultEnv(env, "VAULT_RAFT_RETRY_JOIN_AS_NON_VOTER");
  const retryJoinAsNonVoterFromFile = reader.bool("retry_join_as_non_voter");
  const config = {
    type: "raft" as const,
    nodeId,
    performanceMultiplier:
      multiplier === undefined || multiplier === 0 ? raftDefaults.performanceMultiplier : multiplier,
    trailingLogs: reader.integer("trailing_logs", { min: 0 }) ?? raftDefaults.trailingLogs,
    snapshotThreshold: reader.integer("snapshot_threshold", { min: 1 }) ?? raftDefaults.snapshotThreshold,
    snapshotIntervalSeconds: reader.durationSeconds("snapshot_interval") ?? raftDefaults.snapshotIntervalSeconds,
    maxEntrySizeBytes: reader.integer("max_entry_size", { min: 1024 }) ?? raftDefaults.maxEntrySizeBytes,
    autopilotReconcileIntervalMs:
      reader.durationMs("autopilot_reconcile_interval") ?? raftDefaults.autopilotReconcileIntervalMs,
    autopilotUpdateIntervalMs: reader.durationMs("autopilot_update_interval") ?? raftDefaults.autopilotUpdateIntervalMs,
    retryJoinAsNonVoter: nonVoterEnv === undefined ? (retryJoinAsNonVoterFromFile ?? false) : envFlag(nonVoterEnv),
    retryJoin: reader.blocks("retry_join").flatMap((block) => decodeRetryJoin(block) ?? []),
  };
  reader.finish({ max_trailing_logs: "use trailing_logs", raft_wal: "Coffer keeps its Raft log in LevelDB" });
  if (path === undefined || path === "") {
    reader.fail(undefined, '"path" is required (or set VAULT_RAFT_PATH)');
    return undefined;
  }
  if (nodeId !== undefined && !/^[A-Za-z0-9._-]{1,128}$/.test(nodeId)) {
    reader.fail(
      "node_id",
      `"node_id" may hold only letters, digits, ".", "_" and "-" (1 to 128 of them), got "${nodeId}"`,
    );
    return undefined;
  }
  return { ...config, path };
}

function decodeFile(reader: BlockReader): StorageConfig | undefined {
  const path = reader.string("path");
  reader.finish();
  if (path === undefined || path === "") {
    reader.fail(undefined, '"path" is required');
    return undefined;
  }
  return { type: "file", path };
}

/** Decodes the one storage stanza; reports a problem and returns undefined when it is unusable. */
export function decodeStorage(label: string, reader: BlockReader, env: Env): StorageConfig | undefined {
  switch (label) {
    case "inmem":
      reader.finish();
      return { type: "inmem" };
    case "file":
      return decodeFile(reader);
    case "raft":
      return decodeRaft(reader, env);
    default:
      reader.fail(
        undefined,
        unsupportedStorageTypes.has(label)
          ? `storage type "${label}" is not supported by Coffer; use "raft", "file" or "inmem"`
          : `unknown storage type "${label}"; use "raft", "file" or "inmem"`,
      );
      return undefined;
  }
}
