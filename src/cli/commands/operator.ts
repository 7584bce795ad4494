/** `coffer status`, `coffer operator init | unseal | seal | key-status | rotate | step-down | members`. */
import { type Command, CommandError, exitApi, exitOk, withErrorPrefix } from "../command.js";
import { columns, table } from "../format/table.js";
import { type ApiClient, jsonBody } from "../http-client.js";
import { promptSecret } from "../prompt.js";
import { isJsonObject, type JsonObject, readSecret, writeSecret } from "../secret.js";
import { initCommand } from "./operator-init.js";
import { fetchSealStatus, printSealStatus, sealStatusView } from "./seal-status.js";

export const statusCommand: Command = {
  name: "status",
  synopsis: "Print seal and HA status",
  usage: "status [options]",
  help: `Prints the seal status and HA state of the server. The exit code is 0 when
  unsealed, 2 when sealed and 1 when the status could not be read.

      $ coffer status`,
  groups: { http: true, format: true },
  maxArgs: 0,
  async run({ ui, client }) {
    const api = await client();
    const view = await withErrorPrefix("Error checking seal status", () => fetchSealStatus(api)).catch((error) => {
      throw new CommandError((error as Error).message, 1, { cause: error });
    });
    printSealStatus(ui, view);
    return view.sealed ? exitApi : exitOk;
  },
};

const unsealCommand: Command = {
  name: "operator unseal",
  synopsis: "Unseal the server with one key share",
  usage: "operator unseal [options] [KEY]",
  help: `Provides one unseal key share. Run it once per share until the threshold is
  reached. Without KEY the share is read from the terminal without echo (or the
  first line of stdin when it is not a terminal).

      $ coffer operator unseal
      $ coffer operator unseal -reset`,
  flags: [
    { name: "reset", kind: "bool", usage: "Discard the shares given so far." },
    { name: "migrate", kind: "bool", usage: "The share belongs to the seal being migrated from." },
  ],
  groups: { http: true, format: true },
  maxArgs: 1,
  async run({ ui, io, flags, args, client }) {
    const api = await client();
    let body: JsonObject;
    if (flags.bool("reset")) body = { reset: true };
    else {
      const key = args[0] ?? (await promptSecret(io, "Unseal Key (will be hidden): "));
      if (key === "") throw new CommandError("Error unsealing: the key must not be empty");
      body = { key, ...(flags.bool("migrate") ? { migrate: true } : {}) };
    }
    const view = await withErrorPrefix("Error unsealing", async () => {
      const response = await api.request("PUT", "sys/unseal", { json: body, anonymous: true });
      const status = jsonBody(response);
      return sealStatusView(api, isJsonObject(status) ? status : {});
    });
    printSealStatus(ui, view);
    return exitOk;
  },
};

const sealCommand: Command = {
  name: "operator seal",
  synopsis: "Seal the server",
  usage: "operator seal [options]",
  help: `Seals the server: the keyring is dropped from memory and every request but
  status and unseal is refused until it is unsealed again. Needs a root or sudo token.

      $ coffer operator seal`,
  groups: { http: true },
  maxArgs: 0,
  async run({ ui, client }) {
    const api = await client();
    await withErrorPrefix("Error sealing", () => api.request("PUT", "sys/seal"));
    ui.output("Success! Vault is sealed.");
    return exitOk;
  },
};

/** Go's time.RFC822 in UTC: "02 Jan 06 15:04 UTC". */
function rfc822(text: unknown): string {
  const date = new Date(String(text));
  if (Number.isNaN(date.getTime())) return String(text ?? "");
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(date.getUTCDate())} ${months[date.getUTCMonth()]} ${pad(date.getUTCFullYear() % 100)} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

function keyStatusColumns(data: JsonObject): string {
  const rows = [
    ["Key Term", String(data["term"] ?? "")],
    ["Install Time", rfc822(data["install_time"])],
  ];
  if (data["encryptions"] !== undefined) rows.push(["Encryption Count", String(data["encryptions"])]);
  return columns(rows);
}

async function readKeyStatus(api: ApiClient): Promise<JsonObject> {
  const secret = await readSecret(api, "sys/key-status");
  return isJsonObject(secret?.data) ? secret.data : {};
}

const keyStatusCommand: Command = {
  name: "operator key-status",
  synopsis: "Print the barrier keyring's current term",
  usage: "operator key-status [options]",
  help: "Prints the current term of the encryption keyring, when it was installed and how often it was used.",
  groups: { http: true, format: true },
  maxArgs: 0,
  async run({ ui, client }) {
    const api = await client();
    const data = await withErrorPrefix("Error reading key status", () => readKeyStatus(api));
    if (ui.format === "table") ui.output(keyStatusColumns(data));
    else ui.data(data);
    return exitOk;
  },
};

const rotateCommand: Command = {
  name: "operator rotate",
  synopsis: "Add a new term to the barrier keyring",
  usage: "operator rotate [options]",
  help: `Adds a new encryption key to the keyring. New writes use it; existing values
  stay readable with the older terms. Needs a root or sudo token.`,
  groups: { http: true, format: true },
  maxArgs: 0,
  async run({ ui, client }) {
    const api = await client();
    await withErrorPrefix("Error rotating key", () => writeSecret(api, "sys/rotate", {}));
    const data = await withErrorPrefix("Error reading key status", () => readKeyStatus(api));
    if (ui.format !== "table") {
      ui.data(data);
      return exitOk;
    }
    ui.output("Success! Rotated key\n");
    ui.output(keyStatusColumns(data));
    return exitOk;
  },
};

const stepDownCommand: Command = {
  name: "operator step-down",
  synopsis: "Make the active node give up leadership",
  usage: "operator step-down [options]",
  help: "Asks the active node to hand leadership to a standby. Needs a root or sudo token.",
  groups: { http: true },
  maxArgs: 0,
  async run({ ui, client }) {
    const api = await client();
    await withErrorPrefix("Error stepping down", () => api.request("PUT", "sys/step-down"));
    ui.output(`Success! Stepped down: ${api.settings.address}`);
    return exitOk;
  },
};

const membersCommand: Command = {
  name: "operator members",
  synopsis: "List the nodes of the HA cluster",
  usage: "operator members [options]",
  help: "Lists the nodes of the cluster as the active node sees them (sys/ha-status).",
  groups: { http: true, format: true },
  maxArgs: 0,
  async run({ ui, client }) {
    const api = await client();
    const secret = await withErrorPrefix("Error retrieving HA status", () => readSecret(api, "sys/ha-status"));
    const nodes = Array.isArray(secret?.data?.["nodes"]) ? (secret.data["nodes"] as unknown[]) : [];
    if (ui.format !== "table") {
      ui.data(secret?.data ?? { nodes: [] });
      return exitOk;
    }
    const header = [
      "Host Name",
      "API Address",
      "Cluster Address",
      "Active Node",
      "Version",
      "Upgrade Version",
      "Last Echo",
    ];
    const rows = nodes
      .filter(isJsonObject)
      .map((node) => [
        String(node["hostname"] ?? ""),
        String(node["api_address"] ?? ""),
        String(node["cluster_address"] ?? ""),
        String(node["active_node"] ?? false),
        String(node["version"] ?? ""),
        String(node["upgrade_version"] ?? ""),
        node["last_echo"] === null || node["last_echo"] === undefined ? "" : String(node["last_echo"]),
      ]);
    ui.output(table(header, rows));
    return exitOk;
  },
};

export const operatorCommands: readonly Command[] = [
  initCommand,
  unsealCommand,
  sealCommand,
  keyStatusCommand,
  rotateCommand,
  stepDownCommand,
  membersCommand,
];
