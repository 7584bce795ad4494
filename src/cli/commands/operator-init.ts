/** `coffer operator init`: Vault's flags, its key lines (`Unseal Key 1: ...`) and its JSON shape. */
import { type Command, CommandError, exitApi, exitOk, withErrorPrefix } from "../command.js";
import type { FlagValues } from "../flags.js";
import { type ApiClient, jsonBody } from "../http-client.js";
import { isJsonObject, type JsonObject } from "../secret.js";

const defaultShares = 5;
const defaultThreshold = 3;

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** Shamir parameters for a Shamir seal, recovery parameters for an auto seal, as Vault's CLI decides. */
async function initRequest(api: ApiClient, flags: FlagValues): Promise<JsonObject> {
  const status = jsonBody(await api.request("GET", "sys/seal-status", { anonymous: true }));
  const autoSeal = isJsonObject(status) && status["recovery_seal"] === true;
  const request: JsonObject = {};
  if (autoSeal) {
    request["recovery_shares"] = flags.int("recovery-shares") ?? defaultShares;
    request["recovery_threshold"] = flags.int("recovery-threshold") ?? defaultThreshold;
    const recoveryPgp = flags.strings("recovery-pgp-keys");
    if (recoveryPgp.length > 0) request["recovery_pgp_keys"] = recoveryPgp.flatMap((keys) => keys.split(","));
    if (flags.has("stored-shares")) request["stored_shares"] = flags.int("stored-shares");
  } else {
    request["secret_shares"] = flags.int("key-shares") ?? defaultShares;
    request["secret_threshold"] = flags.int("key-threshold") ?? defaultThreshold;
  }
  const pgpKeys = flags.strings("pgp-keys");
  if (pgpKeys.length > 0) request["pgp_keys"] = pgpKeys.flatMap((keys) => keys.split(","));
  const rootPgp = flags.string("root-token-pgp-key");
  if (rootPgp !== undefined) request["root_token_pgp_key"] = rootPgp;
  return request;
}

/** Vault's `-format=json` shape for init, which scripts read with jq. */
function machineOutput(request: JsonObject, response: JsonObject): JsonObject {
  const keys = stringList(response["keys"]);
  return {
    unseal_keys_b64: stringList(response["keys_base64"]),
    unseal_keys_hex: keys,
    unseal_shares: keys.length === 0 ? 1 : request["secret_shares"],
    unseal_threshold: keys.length === 0 ? 1 : request["secret_threshold"],
    recovery_keys_b64: stringList(response["recovery_keys_base64"]),
    recovery_keys_hex: stringList(response["recovery_keys"]),
    recovery_keys_shares: request["recovery_shares"] ?? 0,
    recovery_keys_threshold: request["recovery_threshold"] ?? 0,
    root_token: response["root_token"] ?? "",
  };
}

function keyLines(label: string, hex: string[], base64: string[]): string[] {
  return hex.map((key, index) => `${label} ${index + 1}: ${base64.length === hex.length ? base64[index] : key}`);
}

function tableOutput(request: JsonObject, response: JsonObject): string[] {
  const keys = stringList(response["keys"]);
  const recovery = stringList(response["recovery_keys"]);
  const lines = [
    ...keyLines("Unseal Key", keys, stringList(response["keys_base64"])),
    ...keyLines("Recovery Key", recovery, stringList(response["recovery_keys_base64"])),
    "",
    `Initial Root Token: ${String(response["root_token"] ?? "")}`,
    "",
  ];
  if (keys.length > 0) {
    const threshold = Number(request["secret_threshold"]);
    lines.push(
      `Initialized with ${keys.length} key shares and a threshold of ${threshold}. Keep each share`,
      `somewhere different. After every restart or seal, ${threshold} of these shares are needed`,
      "to unseal; the root key is not stored anywhere, so losing more than",
      `${keys.length - threshold} of them makes the data unrecoverable.`,
    );
  } else {
    lines.push("Success! The server is initialized.");
  }
  if (recovery.length > 0) {
    lines.push(
      "",
      `Recovery key initialized with ${recovery.length} shares and a threshold of ${String(request["recovery_threshold"])}.`,
    );
  }
  return lines;
}

async function printInitStatus(api: ApiClient, format: string, output: (text: string) => void): Promise<number> {
  const body = jsonBody(await api.request("GET", "sys/init", { anonymous: true }));
  const initialized = isJsonObject(body) && body["initialized"] === true;
  if (format === "table") output(initialized ? "Vault is initialized" : "Vault is not initialized");
  else output(JSON.stringify({ initialized }, null, 2));
  return initialized ? exitOk : exitApi;
}

export const initCommand: Command = {
  name: "operator init",
  synopsis: "Initialize a new server",
  usage: "operator init [options]",
  help: `Initializes storage: creates the root key, splits it into unseal key shares
  (or, with an auto seal, recovery key shares) and creates the initial root token.
  This happens once per cluster.

      $ coffer operator init -key-shares=5 -key-threshold=3
      $ coffer operator init -status    # exit 0 initialized, 2 not`,
  flags: [
    { name: "key-shares", kind: "int", aliases: ["n"], usage: "Number of unseal key shares.", defaultText: "5" },
    { name: "key-threshold", kind: "int", aliases: ["t"], usage: "Shares needed to unseal.", defaultText: "3" },
    { name: "pgp-keys", kind: "strings", usage: "PGP keys to encrypt the shares with (not supported by Coffer)." },
    { name: "root-token-pgp-key", kind: "string", usage: "PGP key to encrypt the root token with (not supported)." },
    { name: "recovery-shares", kind: "int", usage: "Number of recovery key shares (auto seal).", defaultText: "5" },
    { name: "recovery-threshold", kind: "int", usage: "Recovery shares needed (auto seal).", defaultText: "3" },
    { name: "recovery-pgp-keys", kind: "strings", usage: "PGP keys for the recovery shares (not supported)." },
    { name: "stored-shares", kind: "int", usage: "Accepted for compatibility (auto seal)." },
    { name: "status", kind: "bool", usage: "Only print whether the server is initialized." },
  ],
  groups: { http: true, format: true },
  maxArgs: 0,
  async run({ ui, flags, client }) {
    const api = await client();
    if (flags.bool("status")) {
      return withErrorPrefix("Error checking init status", () =>
        printInitStatus(api, ui.format, (text) => ui.output(text)),
      ).catch((error: unknown) => {
        throw new CommandError((error as Error).message, 1, { cause: error });
      });
    }
    const request = await withErrorPrefix("Error initializing", () => initRequest(api, flags));
    const response = await withErrorPrefix("Error initializing", async () =>
      jsonBody(await api.request("PUT", "sys/init", { json: request, anonymous: true })),
    );
    const body = isJsonObject(response) ? response : {};
    if (ui.format !== "table") ui.data(machineOutput(request, body));
    else for (const line of tableOutput(request, body)) ui.output(line);
    return exitOk;
  },
};
