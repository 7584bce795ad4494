/**
 * `coffer server -dev`: initialize with one key share, unseal, optionally
 * replace the root token with a chosen id, mount KV v2 at `secret/`, and
 * print what Vault prints so tutorials written for Vault work unchanged.
 */
import { writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Core } from "../core/index.js";
import { systemClock } from "../lib/index.js";

export interface DevSetupOptions {
  readonly rootTokenId: string | undefined;
  readonly kvVersion: "1" | "2";
}

export interface DevCredentials {
  readonly unsealKey: string;
  readonly rootToken: string;
}

export async function setupDevCore(core: Core, options: DevSetupOptions): Promise<DevCredentials> {
  const init = await core.initialize({ secretShares: 1, secretThreshold: 1 });
  const unsealKey = init.keys_base64[0] as string;
  await core.unseal(unsealKey);
  const active = core.active;
  if (!active) throw new Error("dev server failed to unseal");
  let rootToken = init.root_token;
  if (options.rootTokenId !== undefined && options.rootTokenId !== "") {
    rootToken = await active.createRootToken(systemClock, options.rootTokenId);
    const generated = await active.tokens.lookup(init.root_token);
    if (generated) await active.tokens.revokeTree(generated.entry.saltedId);
  }
  await core.handleRequest({
    id: "dev-setup",
    operation: "update",
    path: "sys/mounts/secret",
    data: { type: "kv", description: "key/value secret storage", options: { version: options.kvVersion } },
    clientToken: rootToken,
    headers: {},
  });
  return { unsealKey, rootToken };
}

export function devBanner(apiAddr: string, credentials: DevCredentials): string {
  return [
    "WARNING! dev mode is enabled! In this mode, Coffer runs entirely in-memory",
    "and starts unsealed with a single unseal key. The root token is already",
    "authenticated to the CLI, so you can immediately begin using Coffer.",
    "",
    "You may need to set the following environment variables:",
    "",
    `    $ export VAULT_ADDR='${apiAddr}'`,
    "",
    "The unseal key and root token are displayed below in case you want to",
    "seal/unseal the Coffer or re-authenticate.",
    "",
    `Unseal Key: ${credentials.unsealKey}`,
    `Root Token: ${credentials.rootToken}`,
    "",
    "Development mode should NOT be used in production installations!",
    "",
  ].join("\n");
}

/** Vault's token helper file, so the CLI works at once (skipped with -dev-no-store-token). */
export function storeDevToken(token: string): void {
  writeFileSync(join(homedir(), ".vault-token"), token, { mode: 0o600 });
}
