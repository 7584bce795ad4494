/**
 * The engine contract: what the core needs from a secrets engine or an auth
 * method, and what an engine may see of the core. Engines are written with
 * src/framework, which implements `LogicalBackend` from a list of paths.
 */
import type { Clock } from "../lib/index.js";
import type { Request } from "./request.js";
import type { Response } from "./response.js";
import type { Storage } from "./storage.js";

/** Path patterns (Vault's PathsSpecial): `*` suffix = prefix match. */
export interface SpecialPaths {
  /** Need sudo (Vault "root-protected"). */
  readonly root?: readonly string[];
  /** Served without a token (login endpoints, CA certificates). */
  readonly unauthenticated?: readonly string[];
}

export interface ExistenceResult {
  /** False when the path has no existence check: the core treats update as update. */
  readonly checkFound: boolean;
  readonly exists: boolean;
}

export interface LogicalBackend {
  /** The mount type (`kv`, `cubbyhole`, `database`, `token`, ...). */
  readonly type: string;
  readonly specialPaths: SpecialPaths;
  /** Answers a routed request; undefined is "no response" (204 for writes, 404 for reads). */
  handle(request: Request): Promise<Response | undefined>;
  /** Decides create versus update for the ACL before the request is handled. */
  existenceCheck(request: Request): Promise<ExistenceResult>;
  /** Markdown help and an OpenAPI fragment for a path (`?help=1`). */
  help(request: Request): Promise<Response>;
  /** Called once after mounting (and after every unseal / leadership gain). */
  initialize?(): Promise<void>;
  /** Called before the mount is removed or the node seals / steps down. */
  cleanup?(): Promise<void>;
  /** A storage key changed underneath (a standby applied a Raft entry): drop caches. */
  invalidate?(key: string): void;
}

/** What an engine may know of the system, never the core itself. */
export interface SystemView {
  /** The mount's effective default and maximum lease TTLs, seconds (after tuning). */
  defaultLeaseTtlSeconds(): number;
  maxLeaseTtlSeconds(): number;
  readonly clock: Clock;
  /** True on a node that is not the active one: engines must not start background writes. */
  isStandby(): boolean;
}

/** Leveled structured logging, pino-compatible (`logger.info({ fields }, "message")`). */
export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface BackendConfig {
  readonly storage: Storage;
  readonly system: SystemView;
  readonly logger: Logger;
  /** The mount's `options` map (for kv: `{version: "2"}`). */
  readonly options: Readonly<Record<string, string>>;
  /** The mount's path (`secret/`) and uuid. */
  readonly mountPath: string;
  readonly backendUuid: string;
}

export type BackendFactory = (config: BackendConfig) => Promise<LogicalBackend>;

/** A logger that drops everything; for tests that do not look at logs. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
