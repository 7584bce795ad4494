/**
 * `coffer operator raft join | list-peers | remove-peer | snapshot save |
 * snapshot restore | autopilot state | autopilot get-config | autopilot set-config`.
 */
import { existsSync } from "node:fs";
import { open, readFile, rename } from "node:fs/promises";
import { type Command, CommandError, exitOk, withErrorPrefix } from "../command.js";
import { columns, table } from "../format/table.js";
import { jsonBody } from "../http-client.js";
import { isJsonObject, type JsonObject, readSecret, writeSecret } from "../secret.js";

/** A PEM flag value: `@file` reads the file (Vault's rule); a bare path to an existing file is read too. */
async function pemValue(value: string | undefined): Promise<string | undefined> {
  if (value === undefined) return undefined;
  const path = value.startsWith("@")
    ? value.slice(1)
    : !value.includes("-----BEGIN") && existsSync(value)
      ? value
      : undefined;
  if (path === undefined) return value;
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new CommandError(`Error reading ${path}: ${(error as Error).message}`);
  }
}

const joinCommand: Command = {
  name: "operator raft join",
  synopsis: "Join this node to a Raft cluster",
  usage: "operator raft join [options] [LEADER_API_ADDR]",
  help: `Asks the node at -address (which must be sealed and uninitialized) to join the
  cluster whose member answers at LEADER_API_ADDR. A Shamir-sealed node finishes
  joining once it is unsealed with the cluster's keys.

      $ coffer operator raft join https://coffer-0.coffer-internal:8200
      $ coffer operator raft join -leader-ca-cert=@ca.pem https://10.0.0.1:8200`,
  flags: [
    { name: "leader-ca-cert", kind: "string", usage: "CA certificate (PEM, or @file) to verify the leader's API." },
    { name: "leader-client-cert", kind: "string", usage: "Client certificate (PEM, or @file) for the leader's API." },
    { name: "leader-client-key", kind: "string", usage: "Client key (PEM, or @file) for the leader's API." },
    { name: "leader-tls-servername", kind: "string", usage: "Server name to verify the leader's certificate against." },
    { name: "retry", kind: "bool", usage: "Keep retrying in the background until the join succeeds." },
    { name: "non-voter", kind: "bool", usage: "Join as a permanent non-voter." },
    { name: "auto-join", kind: "string", usage: "Cloud auto-join string (not supported by Coffer)." },
  ],
  groups: { http: true, format: true },
  maxArgs: 1,
  async run({ ui, flags, args, client }) {
    const leader = args[0];
    if (leader === undefined && !flags.has("auto-join"))
      throw new CommandError("Not enough arguments (expected 1, got 0)");
    const api = await client();
    const body: JsonObject = { leader_api_addr: leader ?? "" };
    const pems: Array<[string, string]> = [
      ["leader-ca-cert", "leader_ca_cert"],
      ["leader-client-cert", "leader_client_cert"],
      ["leader-client-key", "leader_client_key"],
    ];
    for (const [flag, field] of pems) {
      const value = await pemValue(flags.string(flag));
      if (value !== undefined) body[field] = value;
    }
    if (flags.has("leader-tls-servername")) body["leader_tls_servername"] = flags.string("leader-tls-servername");
    if (flags.has("auto-join")) body["auto_join"] = flags.string("auto-join");
    if (flags.bool("retry")) body["retry"] = true;
    if (flags.bool("non-voter")) body["non_voter"] = true;
    const response = await withErrorPrefix("Error joining the node to the Raft cluster", () =>
      api.request("POST", "sys/storage/raft/join", { json: body, anonymous: true }),
    );
    const result = jsonBody(response);
    const joined = isJsonObject(result) && result["joined"] === true;
    if (ui.format !== "table") ui.data({ joined });
    else ui.output(table(["Key", "Value"], [["Joined", String(joined)]]));
    return exitOk;
  },
};

const listPeersCommand: Command = {
  name: "operator raft list-peers",
  synopsis: "List the Raft cluster's members",
  usage: "operator raft list-peers [options]",
  help: "Lists the members of the Raft configuration with their address, state and suffrage.",
  groups: { http: true, format: true },
  maxArgs: 0,
  async run({ ui, client }) {
    const api = await client();
    const secret = await withErrorPrefix("Error reading the raft cluster configuration", () =>
      readSecret(api, "sys/storage/raft/configuration"),
    );
    if (ui.format !== "table") {
      ui.secret(secret ?? {});
      return exitOk;
    }
    const config = secret?.data?.["config"];
    const servers =
      isJsonObject(config) && Array.isArray(config["servers"]) ? config["servers"].filter(isJsonObject) : [];
    const rows = servers.map((server) => [
      String(server["node_id"] ?? ""),
      String(server["address"] ?? ""),
      server["leader"] === true ? "leader" : "follower",
      String(server["voter"] ?? false),
    ]);
    ui.output(table(["Node", "Address", "State", "Voter"], rows));
    return exitOk;
  },
};

const removePeerCommand: Command = {
  name: "operator raft remove-peer",
  synopsis: "Remove a node from the Raft cluster",
  usage: "operator raft remove-peer [options] NODE_ID",
  help: `Removes the node NODE_ID from the Raft configuration, e.g. a node that is gone for good.

      $ coffer operator raft remove-peer coffer-2`,
  groups: { http: true },
  minArgs: 1,
  maxArgs: 1,
  async run({ ui, args, client }) {
    const api = await client();
    await withErrorPrefix("Error removing the peer from raft cluster", () =>
      writeSecret(api, "sys/storage/raft/remove-peer", { server_id: args[0] }, { method: "POST" }),
    );
    ui.output("Peer removed successfully!");
    return exitOk;
  },
};

const snapshotSaveCommand: Command = {
  name: "operator raft snapshot save",
  synopsis: "Save a snapshot of the cluster's state to a file",
  usage: "operator raft snapshot save [options] FILE",
  help: `Streams a consistent snapshot (still encrypted by the barrier) into FILE.

      $ coffer operator raft snapshot save backup.snap`,
  groups: { http: true },
  minArgs: 1,
  maxArgs: 1,
  async run({ args, client }) {
    const api = await client();
    const path = args[0] as string;
    const response = await withErrorPrefix("Error taking the snapshot", () =>
      api.request("GET", "sys/storage/raft/snapshot"),
    );
    // Written beside the target, synced, then renamed: a crash never leaves a truncated snapshot under FILE.
    const temporary = `${path}.partial-${process.pid}`;
    const file = await open(temporary, "w");
    try {
      await file.writeFile(response.body);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    return exitOk;
  },
};

const snapshotRestoreCommand: Command = {
  name: "operator raft snapshot restore",
  synopsis: "Restore the cluster's state from a snapshot file",
  usage: "operator raft snapshot restore [options] FILE",
  help: `Replaces the cluster's state with the snapshot in FILE. A snapshot taken with
  other unseal keys is refused unless -force is given.

      $ coffer operator raft snapshot restore backup.snap`,
  flags: [{ name: "force", kind: "bool", usage: "Restore even if the snapshot was taken with other keys." }],
  groups: { http: true },
  minArgs: 1,
  maxArgs: 1,
  async run({ flags, args, client }) {
    const api = await client();
    let body: Buffer;
    try {
      body = await readFile(args[0] as string);
    } catch (error) {
      throw new CommandError(`Error opening snapshot file: ${(error as Error).message}`);
    }
    const path = flags.bool("force") ? "sys/storage/raft/snapshot-force" : "sys/storage/raft/snapshot";
    await withErrorPrefix("Error installing the snapshot", () =>
      api.request("POST", path, { body, contentType: "application/octet-stream" }),
    );
    return exitOk;
  },
};

function autopilotStateLines(state: JsonObject): string[] {
  const lines = [
    columns([
      ["Healthy:", String(state["healthy"] ?? "")],
      ["Failure Tolerance:", String(state["failure_tolerance"] ?? "")],
      ["Leader:", String(state["leader"] ?? "")],
    ]),
    "Voters:",
    ...(Array.isArray(state["voters"]) ? state["voters"].map((voter) => `   ${String(voter)}`) : []),
  ];
  if (Array.isArray(state["non_voters"]) && state["non_voters"].length > 0) {
    lines.push("Non Voters:", ...state["non_voters"].map((id) => `   ${String(id)}`));
  }
  lines.push("Servers:");
  const servers = isJsonObject(state["servers"]) ? state["servers"] : {};
  for (const id of Object.keys(servers).sort()) {
    const server = servers[id];
    if (!isJsonObject(server)) continue;
    lines.push(`   ${id}`);
    const fields: Array<[string, string]> = [
      ["Name", "name"],
      ["Address", "address"],
      ["Status", "status"],
      ["Node Status", "node_status"],
      ["Healthy", "healthy"],
      ["Last Contact", "last_contact"],
      ["Last Term", "last_term"],
      ["Last Index", "last_index"],
    ];
    for (const [label, key] of fields) lines.push(`      ${`${label}:`.padEnd(19)}${String(server[key] ?? "")}`);
  }
  return lines;
}

const autopilotStateCommand: Command = {
  name: "operator raft autopilot state",
  synopsis: "Print autopilot's view of the cluster's health",
  usage: "operator raft autopilot state [options]",
  help: "Prints whether the cluster is healthy, its failure tolerance and each server's state.",
  groups: { http: true, format: true },
  maxArgs: 0,
  async run({ ui, client }) {
    const api = await client();
    const secret = await withErrorPrefix("Error checking autopilot state", () =>
      readSecret(api, "sys/storage/raft/autopilot/state"),
    );
    const state = isJsonObject(secret?.data) ? secret.data : {};
    if (ui.format !== "table") ui.data(state);
    else ui.output(autopilotStateLines(state).join("\n"));
    return exitOk;
  },
};

const autopilotGetConfigCommand: Command = {
  name: "operator raft autopilot get-config",
  synopsis: "Print autopilot's configuration",
  usage: "operator raft autopilot get-config [options]",
  help: "Prints the autopilot settings (dead server cleanup, stabilization time, ...).",
  groups: { http: true, format: true },
  maxArgs: 0,
  async run({ ui, client }) {
    const api = await client();
    const secret = await withErrorPrefix("Error reading autopilot configuration", () =>
      readSecret(api, "sys/storage/raft/autopilot/configuration"),
    );
    ui.data(isJsonObject(secret?.data) ? secret.data : {});
    return exitOk;
  },
};

const autopilotSetConfigCommand: Command = {
  name: "operator raft autopilot set-config",
  synopsis: "Change autopilot's configuration",
  usage: "operator raft autopilot set-config [options]",
  help: `Changes the autopilot settings given; others keep their values.

      $ coffer operator raft autopilot set-config -cleanup-dead-servers=true -min-quorum=3`,
  flags: [
    {
      name: "cleanup-dead-servers",
      kind: "bool",
      usage: "Remove dead servers automatically (needs -min-quorum >= 3).",
    },
    { name: "last-contact-threshold", kind: "string", usage: "Unhealthy after this long without leader contact." },
    { name: "dead-server-last-contact-threshold", kind: "string", usage: "Dead after this long without contact." },
    { name: "max-trailing-logs", kind: "int", usage: "Log lag beyond which a server is unhealthy." },
    { name: "min-quorum", kind: "int", usage: "Voters never pruned below this number." },
    { name: "server-stabilization-time", kind: "string", usage: "Healthy this long before promotion to voter." },
  ],
  groups: { http: true },
  maxArgs: 0,
  async run({ ui, flags, client }) {
    const api = await client();
    const body: JsonObject = {};
    for (const name of ["last-contact-threshold", "dead-server-last-contact-threshold", "server-stabilization-time"]) {
      if (flags.has(name)) body[name.replaceAll("-", "_")] = flags.string(name);
    }
    for (const name of ["max-trailing-logs", "min-quorum"])
      if (flags.has(name)) body[name.replaceAll("-", "_")] = flags.int(name);
    if (flags.has("cleanup-dead-servers")) body["cleanup_dead_servers"] = flags.bool("cleanup-dead-servers");
    await withErrorPrefix("Error setting autopilot configuration", () =>
      writeSecret(api, "sys/storage/raft/autopilot/configuration", body, { method: "POST" }),
    );
    ui.output("Success! Updated the autopilot configuration.");
    return exitOk;
  },
};

export const raftCommands: readonly Command[] = [
  joinCommand,
  listPeersCommand,
  removePeerCommand,
  snapshotSaveCommand,
  snapshotRestoreCommand,
  autopilotStateCommand,
  autopilotGetConfigCommand,
  autopilotSetConfigCommand,
];
