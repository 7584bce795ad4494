/**
 * `coffer server`: parse Vault's server flags, load the config (or the dev
 * config), start the server, and shut it down gracefully on SIGINT/SIGTERM.
 */
import { Command, CommanderError, Option } from "commander";
import { devConfig, isConfigError, type LogLevel, loadConfigFile, type ServerConfig } from "../config/index.js";
import { devBanner, setupDevCore, storeDevToken } from "./dev.js";
import { createLogger } from "./logger.js";
import { CofferServer } from "./server.js";

export { CofferServer, type ServerOptions } from "./server.js";

interface ServerFlags {
  config?: string[];
  dev?: boolean;
  devRootTokenId?: string;
  devListenAddress?: string;
  devNoStoreToken?: boolean;
  devKvV1?: boolean;
  logLevel?: string;
}

/** Vault spells flags `-flag=value`; commander wants `--flag`. */
function normalizeFlags(argv: readonly string[]): string[] {
  return argv.map((arg) => (/^-[a-z]/.test(arg) ? `-${arg}` : arg));
}

function parseFlags(argv: readonly string[]): ServerFlags {
  const program = new Command("coffer server")
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .option("--config <file>", "path to a configuration file (may be repeated)", (value, previous: string[] = []) => [
      ...previous,
      value,
    ])
    .option("--dev", "start a development server: in-memory, unsealed, with a root token")
    .option("--dev-root-token-id <id>", "the root token id in dev mode")
    .option("--dev-listen-address <address>", "dev mode listener address (host:port)")
    .option("--dev-no-store-token", "do not write the root token to ~/.vault-token")
    .option("--dev-kv-v1", "mount secret/ as KV version 1 in dev mode")
    .addOption(new Option("--log-level <level>", "log level").choices(["trace", "debug", "info", "warn", "error"]))
    .allowExcessArguments(false);
  program.parse(normalizeFlags(argv), { from: "user" });
  return program.opts<ServerFlags>();
}

async function loadConfig(flags: ServerFlags): Promise<ServerConfig> {
  const logLevel = (flags.logLevel ?? process.env.VAULT_LOG_LEVEL) as LogLevel | undefined;
  if (flags.dev) {
    const listenAddress = flags.devListenAddress ?? process.env.VAULT_DEV_LISTEN_ADDRESS;
    return devConfig({ ...(listenAddress ? { listenAddress } : {}), ...(logLevel ? { logLevel } : {}) });
  }
  const files = flags.config ?? [];
  if (files.length === 0) throw new UsageError("a configuration file must be given with -config, or use -dev");
  if (files.length > 1) throw new UsageError("only one -config file is supported");
  const config = await loadConfigFile(files[0] as string);
  return logLevel ? { ...config, logLevel } : config;
}

class UsageError extends Error {}

export async function runServer(argv: readonly string[]): Promise<number> {
  let flags: ServerFlags;
  let config: ServerConfig;
  try {
    flags = parseFlags(argv);
    config = await loadConfig(flags);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    const message = isConfigError(error) || error instanceof UsageError ? error.message : String(error);
    process.stderr.write(`Error loading configuration: ${message}\n`);
    return 1;
  }

  const logger = createLogger(config.logLevel);
  let server: CofferServer;
  try {
    server = await CofferServer.start({ config, logger });
    if (flags.dev) {
      const credentials = await setupDevCore(server.core, {
        rootTokenId: flags.devRootTokenId ?? process.env.VAULT_DEV_ROOT_TOKEN_ID,
        kvVersion: flags.devKvV1 ? "1" : "2",
      });
      if (!flags.devNoStoreToken) storeDevToken(credentials.rootToken);
      process.stdout.write(devBanner(config.apiAddr, credentials));
    }
  } catch (error) {
    logger.error({ err: error }, "server failed to start");
    process.stderr.write(`Error starting server: ${(error as Error).message}\n`);
    return 1;
  }

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, "shutting down");
      server.close().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          resolve(1);
        },
      );
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
