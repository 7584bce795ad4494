/**
 * Client settings from flags and the environment, Vault's variable names with
 * COFFER_* twins that win when both are set. The token comes from
 * COFFER_TOKEN / VAULT_TOKEN, else from the token helper file ~/.vault-token
 * (Vault's default helper), so a `vault login` done earlier keeps working.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FlagSpec, FlagValues } from "./flags.js";
import type { CliIo } from "./io.js";

export const defaultAddress = "https://127.0.0.1:8200";
const defaultTimeoutMs = 60_000;

export interface TlsSettings {
  readonly caCertFile: string | undefined;
  readonly caPath: string | undefined;
  readonly clientCertFile: string | undefined;
  readonly clientKeyFile: string | undefined;
  readonly serverName: string | undefined;
  readonly skipVerify: boolean;
}

export interface ClientSettings {
  readonly address: string;
  readonly token: string | undefined;
  readonly tls: TlsSettings;
  readonly namespace: string | undefined;
  readonly wrapTtl: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly disableRedirects: boolean;
  readonly timeoutMs: number;
}

/** The flags every command that talks to the server accepts (Vault's "HTTP Options"). */
export const httpFlags: readonly FlagSpec[] = [
  {
    name: "address",
    kind: "string",
    usage: "Address of the server, also VAULT_ADDR / COFFER_ADDR.",
    defaultText: defaultAddress,
  },
  { name: "ca-cert", kind: "string", usage: "PEM CA certificate file to verify the server with, also VAULT_CACERT." },
  { name: "ca-path", kind: "string", usage: "Directory of PEM CA certificates, also VAULT_CAPATH." },
  {
    name: "client-cert",
    kind: "string",
    usage: "PEM client certificate for TLS authentication, also VAULT_CLIENT_CERT.",
  },
  { name: "client-key", kind: "string", usage: "PEM private key for the client certificate, also VAULT_CLIENT_KEY." },
  { name: "tls-server-name", kind: "string", usage: "Name to use as SNI, also VAULT_TLS_SERVER_NAME." },
  {
    name: "tls-skip-verify",
    kind: "bool",
    usage: "Do not verify the server's certificate (insecure), also VAULT_SKIP_VERIFY.",
  },
  {
    name: "namespace",
    kind: "string",
    aliases: ["ns"],
    usage: "Accepted for compatibility and ignored (no namespaces).",
  },
  {
    name: "wrap-ttl",
    kind: "string",
    usage: "Wrap the response in a cubbyhole token with this TTL, also VAULT_WRAP_TTL.",
  },
  { name: "header", kind: "strings", usage: "Extra request header as key=value; may repeat." },
  { name: "disable-redirects", kind: "bool", usage: "Do not follow redirects, also VAULT_DISABLE_REDIRECTS." },
  { name: "policy-override", kind: "bool", usage: "Accepted for compatibility and ignored." },
];

type Env = CliIo["env"];

function envValue(env: Env, vaultName: string): string | undefined {
  for (const name of [`COFFER_${vaultName.slice("VAULT_".length)}`, vaultName]) {
    const value = env[name];
    if (value !== undefined && value !== "") return value;
  }
  return undefined;
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && ["1", "t", "true"].includes(value.trim().toLowerCase());
}

function parseTimeoutMs(value: string | undefined): number {
  if (value === undefined) return defaultTimeoutMs;
  const match = /^(\d+)(ms|s|m)?$/.exec(value.trim());
  if (!match) return defaultTimeoutMs;
  const amount = Number(match[1]);
  return match[2] === "ms" ? amount : match[2] === "m" ? amount * 60_000 : amount * 1000;
}

async function tokenFromHelper(homeDir: string): Promise<string | undefined> {
  try {
    const token = (await readFile(join(homeDir, ".vault-token"), "utf8")).trim();
    return token === "" ? undefined : token;
  } catch {
    return undefined;
  }
}

function headersFrom(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of values) {
    const equals = entry.indexOf("=");
    if (equals > 0) headers[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return headers;
}

export async function resolveSettings(flags: FlagValues, io: CliIo): Promise<ClientSettings> {
  const env = io.env;
  const tokenFromEnv = envValue(env, "VAULT_TOKEN");
  return {
    address: flags.string("address") ?? envValue(env, "VAULT_ADDR") ?? defaultAddress,
    token: tokenFromEnv ?? (await tokenFromHelper(io.homeDir)),
    tls: {
      caCertFile: flags.string("ca-cert") ?? envValue(env, "VAULT_CACERT"),
      caPath: flags.string("ca-path") ?? envValue(env, "VAULT_CAPATH"),
      clientCertFile: flags.string("client-cert") ?? envValue(env, "VAULT_CLIENT_CERT"),
      clientKeyFile: flags.string("client-key") ?? envValue(env, "VAULT_CLIENT_KEY"),
      serverName: flags.string("tls-server-name") ?? envValue(env, "VAULT_TLS_SERVER_NAME"),
      skipVerify: flags.bool("tls-skip-verify") ?? truthy(envValue(env, "VAULT_SKIP_VERIFY")),
    },
    namespace: flags.string("namespace") ?? envValue(env, "VAULT_NAMESPACE"),
    wrapTtl: flags.string("wrap-ttl") ?? envValue(env, "VAULT_WRAP_TTL"),
    headers: headersFrom(flags.strings("header")),
    disableRedirects: flags.bool("disable-redirects") ?? truthy(envValue(env, "VAULT_DISABLE_REDIRECTS")),
    timeoutMs: parseTimeoutMs(envValue(env, "VAULT_CLIENT_TIMEOUT")),
  };
}
