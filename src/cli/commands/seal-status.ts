/**
 * The seal status table `status` and `operator unseal` print: seal-status
 * merged with sys/leader, as Vault's SealStatusOutput.
 */
import type { Ui } from "../format/output.js";
import { table } from "../format/table.js";
import { type ApiClient, jsonBody } from "../http-client.js";
import { isJsonObject, type JsonObject } from "../secret.js";

export interface SealStatusView {
  readonly sealed: boolean;
  /** seal-status and leader fields together (what `-format=json` prints). */
  readonly fields: JsonObject;
}

function text(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

/** sys/leader, masking "Vault is sealed" (HA on, leader unknown while sealed) as Vault's CLI does. */
async function leaderStatus(client: ApiClient): Promise<JsonObject> {
  const response = await client.request("GET", "sys/leader", { acceptStatuses: [503] });
  const body = jsonBody(response);
  if (response.status === 503) {
    const errors = isJsonObject(body) && Array.isArray(body["errors"]) ? body["errors"].map(String) : [];
    if (errors.some((error) => error.includes("Vault is sealed"))) return { ha_enabled: true };
    return { ha_enabled: false };
  }
  if (!isJsonObject(body)) return { ha_enabled: false };
  const fields: JsonObject = { ha_enabled: body["ha_enabled"] === true };
  for (const key of [
    "is_self",
    "active_time",
    "leader_address",
    "leader_cluster_address",
    "performance_standby",
    "performance_standby_last_remote_wal",
    "last_wal",
    "raft_committed_index",
    "raft_applied_index",
  ]) {
    const value = body[key];
    // Go's omitempty: zero values are left out.
    if (value !== undefined && value !== null && value !== "" && value !== false && value !== 0) fields[key] = value;
  }
  return fields;
}

/** Reads the seal status from an already fetched body plus sys/leader. */
export async function sealStatusView(client: ApiClient, sealStatus: JsonObject): Promise<SealStatusView> {
  const leader = await leaderStatus(client);
  return { sealed: sealStatus["sealed"] === true, fields: { ...sealStatus, ...leader } };
}

export async function fetchSealStatus(client: ApiClient): Promise<SealStatusView> {
  const response = await client.request("GET", "sys/seal-status", { anonymous: true });
  const body = jsonBody(response);
  return sealStatusView(client, isJsonObject(body) ? body : {});
}

function haRows(fields: JsonObject, sealed: boolean): string[][] {
  const rows = [["HA Enabled", text(fields["ha_enabled"] ?? false)]];
  if (fields["ha_enabled"] !== true || sealed) return rows;
  rows.push(["HA Cluster", text(fields["leader_cluster_address"])]);
  const isSelf = fields["is_self"] === true;
  rows.push(["HA Mode", isSelf ? "active" : "standby"]);
  const activeTime = text(fields["active_time"]);
  if (isSelf && activeTime !== "" && !activeTime.startsWith("0001-01-01")) rows.push(["Active Since", activeTime]);
  if (!isSelf) rows.push(["Active Node Address", text(fields["leader_address"]) || "<none>"]);
  return rows;
}

export function printSealStatus(ui: Ui, view: SealStatusView): void {
  if (ui.format !== "table") {
    ui.data(view.fields);
    return;
  }
  const fields = view.fields;
  const recovery = fields["recovery_seal"] === true ? "Recovery " : "";
  const rows = [
    [`${recovery}Seal Type`, text(fields["type"])],
    ["Initialized", text(fields["initialized"] ?? false)],
    ["Sealed", text(fields["sealed"] ?? false)],
    [`Total ${recovery}Shares`, text(fields["n"] ?? 0)],
    ["Threshold", text(fields["t"] ?? 0)],
  ];
  if (view.sealed) {
    rows.push(["Unseal Progress", `${text(fields["progress"] ?? 0)}/${text(fields["t"] ?? 0)}`]);
    rows.push(["Unseal Nonce", text(fields["nonce"])]);
  }
  if (fields["migration"] === true) rows.push(["Seal Migration in Progress", "true"]);
  rows.push(["Version", text(fields["version"])], ["Build Date", text(fields["build_date"])]);
  rows.push(["Storage Type", text(fields["storage_type"])]);
  if (text(fields["cluster_name"]) !== "" && text(fields["cluster_id"]) !== "") {
    rows.push(["Cluster Name", text(fields["cluster_name"])], ["Cluster ID", text(fields["cluster_id"])]);
  }
  rows.push(...haRows(fields, view.sealed));
  if (Number(fields["raft_committed_index"] ?? 0) > 0)
    rows.push(["Raft Committed Index", text(fields["raft_committed_index"])]);
  if (Number(fields["raft_applied_index"] ?? 0) > 0)
    rows.push(["Raft Applied Index", text(fields["raft_applied_index"])]);
  const warnings = fields["warnings"];
  if (Array.isArray(warnings) && warnings.length > 0) rows.push(["Warnings", `[${warnings.join(" ")}]`]);
  ui.output(table(["Key", "Value"], rows));
}
