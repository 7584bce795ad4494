/**
 * sys/storage/raft/*: the cluster's configuration, remove-peer, autopilot
 * state and configuration, and the two halves of the join handshake
 * (bootstrap/challenge and bootstrap/answer, unauthenticated). On
 * single-node storage every one of them is Vault's 400
 * `raft storage is not in use`.
 */
import { hostname } from "node:os";
import type { AesGcmBarrier } from "../../barrier/index.js";
import { definePath, type Path } from "../../framework/index.js";
import { invalidRequest } from "../../lib/index.js";
import {
  type Autopilot,
  type AutopilotConfig,
  type ClusterControl,
  type JoinChallenges,
  loadAutopilotConfig,
  renderAutopilotConfig,
  storeAutopilotConfig,
} from "../ha/index.js";
import { LeaderEntries } from "../ha/leader-entry.js";

export interface RaftSystemContext {
  readonly barrier: AesGcmBarrier;
  /** This build's version, reported for this node. */
  readonly version: string;
  readonly cluster: ClusterControl | undefined;
  readonly challenges: JoinChallenges | undefined;
  readonly autopilot: Autopilot | undefined;
}

interface RaftParts {
  readonly cluster: ClusterControl;
  readonly challenges: JoinChallenges;
  readonly autopilot: Autopilot;
}

function requireRaft(context: RaftSystemContext): RaftParts {
  const { cluster, challenges, autopilot } = context;
  if (!cluster || !challenges || !autopilot) throw invalidRequest("raft storage is not in use");
  return { cluster, challenges, autopilot };
}

function configurationResponse(cluster: ClusterControl): Record<string, unknown> {
  const status = cluster.status();
  const servers = (status?.servers ?? []).map((server) => ({
    node_id: server.id,
    address: server.address,
    leader: server.id === status?.leaderId,
    protocol_version: "3",
    voter: server.suffrage === "voter",
  }));
  return { config: { index: status?.appliedIndex ?? 0, servers } };
}

const autopilotFields = {
  cleanup_dead_servers: { type: "bool", description: "Remove dead servers automatically." },
  last_contact_threshold: { type: "duration", description: "Unhealthy after this long without leader contact." },
  dead_server_last_contact_threshold: { type: "duration", description: "Dead after this long without contact." },
  max_trailing_logs: { type: "int", description: "Log lag beyond which a server is unhealthy." },
  min_quorum: { type: "int", description: "Voters never pruned below this number." },
  server_stabilization_time: { type: "duration", description: "Healthy this long before promotion to voter." },
  disable_upgrade_migration: { type: "bool", description: "Enterprise automated upgrades (accepted, unused)." },
} as const;

type AutopilotField = keyof typeof autopilotFields;
const fieldToConfig: Record<AutopilotField, keyof AutopilotConfig> = {
  cleanup_dead_servers: "cleanupDeadServers",
  last_contact_threshold: "lastContactThresholdSeconds",
  dead_server_last_contact_threshold: "deadServerLastContactThresholdSeconds",
  max_trailing_logs: "maxTrailingLogs",
  min_quorum: "minQuorum",
  server_stabilization_time: "serverStabilizationTimeSeconds",
  disable_upgrade_migration: "disableUpgradeMigration",
};

/** sys/ha-status: the members as the active sees them (Vault's shape; last_echo is the last Raft contact). */
async function haStatus(context: RaftSystemContext): Promise<Record<string, unknown>> {
  const { cluster } = requireRaft(context);
  const status = cluster.status();
  const entries = new LeaderEntries(context.barrier);
  const nodes = [];
  for (const server of status?.servers ?? []) {
    const entry = await entries.read(server.id);
    const self = server.id === cluster.nodeId;
    const lastContactMs = status?.lastContactMs.get(server.id);
    nodes.push({
      hostname: self ? hostname() : server.id,
      node_id: server.id,
      api_address: entry?.api_addr ?? "",
      cluster_address: `https://${server.address}`,
      active_node: server.id === status?.leaderId,
      last_echo: self || lastContactMs === undefined ? null : new Date(lastContactMs).toISOString(),
      version: self ? context.version : "",
      upgrade_version: "",
      voter: server.suffrage === "voter",
    });
  }
  return { nodes };
}

export function raftPaths(context: RaftSystemContext): Path[] {
  return [
    definePath({
      pattern: "ha-status",
      operations: { read: async () => ({ data: await haStatus(context) }) },
      helpSynopsis: "Lists the members of the HA cluster and their addresses.",
    }),
    definePath({
      pattern: "storage/raft/configuration",
      operations: {
        read: async () => ({ data: configurationResponse(requireRaft(context).cluster) }),
      },
      helpSynopsis: "Returns the configuration of the raft cluster.",
    }),
    definePath({
      pattern: "storage/raft/remove-peer",
      fields: { server_id: { type: "string", description: "The id of the server to remove." } },
      operations: {
        update: async (_request, data) => {
          const { cluster } = requireRaft(context);
          const serverId = data.get("server_id");
          if (serverId === "") throw invalidRequest("no server id provided");
          await cluster.removeServer(serverId);
          return undefined;
        },
      },
      helpSynopsis: "Removes a server from the raft cluster.",
    }),
    definePath({
      pattern: "storage/raft/autopilot/state",
      operations: { read: async () => ({ data: requireRaft(context).autopilot.state() }) },
      helpSynopsis: "Returns the state of the raft cluster under autopilot's management.",
    }),
    definePath({
      pattern: "storage/raft/autopilot/configuration",
      fields: autopilotFields,
      operations: {
        read: async () => {
          requireRaft(context);
          return { data: renderAutopilotConfig(await loadAutopilotConfig(context.barrier)) };
        },
        update: async (request, data) => {
          requireRaft(context);
          const update: Record<string, unknown> = {};
          for (const name of Object.keys(autopilotFields) as AutopilotField[]) {
            if (request.data[name] !== undefined) update[fieldToConfig[name]] = data.get(name);
          }
          await storeAutopilotConfig(context.barrier, update as Partial<AutopilotConfig>);
          return undefined;
        },
      },
      helpSynopsis: "Returns or changes autopilot's configuration.",
    }),
    definePath({
      pattern: "storage/raft/bootstrap/challenge",
      fields: { server_id: { type: "string", description: "The joining server's node id." } },
      operations: {
        update: async (_request, data) => ({
          data: await requireRaft(context).challenges.challenge(data.get("server_id")),
        }),
      },
      helpSynopsis: "Creates a challenge for a node that wants to join the raft cluster.",
    }),
    definePath({
      pattern: "storage/raft/bootstrap/answer",
      fields: {
        server_id: { type: "string", description: "The joining server's node id." },
        answer: { type: "string", description: "The decrypted challenge, base64." },
        cluster_addr: { type: "string", description: "Where the joining server's cluster port listens." },
        api_addr: { type: "string", description: "The joining server's API address (Coffer; for sys/ha-status)." },
        non_voter: { type: "bool", description: "Join as a permanent non-voter (not supported)." },
      },
      operations: {
        update: async (_request, data) => {
          const { challenges } = requireRaft(context);
          if (data.get("non_voter")) throw invalidRequest("non-voting nodes not allowed");
          return {
            data: await challenges.answer({
              serverId: data.get("server_id"),
              answerBase64: data.get("answer"),
              clusterAddr: data.get("cluster_addr"),
              apiAddr: data.get("api_addr"),
            }),
          };
        },
      },
      helpSynopsis: "Accepts the answer to a join challenge and adds the node to the raft cluster.",
    }),
  ];
}
