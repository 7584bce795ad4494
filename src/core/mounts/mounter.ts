/**
 * Turns mount table entries into live routes: instantiates each backend from
 * the injected registry with its own storage view and system view, and keeps
 * the tables and the router in step for enable, disable and tune.
 */
import { type Clock, CofferError } from "../../lib/index.js";
import {
  type BackendFactory,
  clearPrefix,
  type Logger,
  type LogicalBackend,
  PrefixedStorage,
  type Storage,
  type SystemView,
} from "../../logical/index.js";
import type { RouteEntry, Router } from "../router.js";
import { type MountEntry, routePath, storagePrefix } from "./mount-entry.js";
import { MountTable } from "./mount-table.js";

export interface BackendRegistry {
  /** Secrets engine types (`kv`, `cubbyhole`, ...), plus the built-in `system`. */
  readonly engines: ReadonlyMap<string, BackendFactory>;
  /** Auth method types (`userpass`, ...), plus the built-in `token`. */
  readonly authMethods: ReadonlyMap<string, BackendFactory>;
}

export interface MounterOptions {
  readonly barrier: Storage;
  readonly router: Router;
  readonly registry: BackendRegistry;
  readonly logger: Logger;
  readonly clock: Clock;
  /** System-wide TTLs from the config file. */
  readonly defaultLeaseTtlSeconds: number;
  readonly maxLeaseTtlSeconds: number;
  readonly isStandby: () => boolean;
}

export class Mounter {
  readonly tables: { readonly mounts: MountTable; readonly auth: MountTable };
  readonly #options: MounterOptions;

  constructor(options: MounterOptions, tables: { mounts: MountTable; auth: MountTable }) {
    this.#options = options;
    this.tables = tables;
  }

  factoryFor(entry: Pick<MountEntry, "table" | "type">): BackendFactory | undefined {
    const registry = this.#options.registry;
    return entry.table === "auth" ? registry.authMethods.get(entry.type) : registry.engines.get(entry.type);
  }

  /** Mounts every entry of both tables (unseal). A backend that fails to start is logged and left unmounted. */
  async mountAll(): Promise<void> {
    for (const table of [this.tables.mounts, this.tables.auth]) {
      for (const entry of table.entries()) {
        try {
          await this.#start(entry);
        } catch (error) {
          this.#options.logger.error(
            { err: error, path: routePath(entry), type: entry.type },
            "failed to mount backend",
          );
        }
      }
    }
  }

  /** Stops every backend (seal, step-down); storage is left as it is. */
  async unmountAll(): Promise<void> {
    for (const route of this.#options.router.clear()) {
      try {
        await route.backend.cleanup?.();
      } catch (error) {
        this.#options.logger.warn({ err: error, path: route.routePath }, "backend cleanup failed");
      }
    }
  }

  /** sys/mounts/:path and sys/auth/:path enable: validate, start the backend, then persist. */
  async enable(entry: MountEntry, builtIn = false): Promise<RouteEntry> {
    if (!this.factoryFor(entry)) {
      throw new CofferError("invalid_request", `plugin not found in the catalog: ${entry.type}`);
    }
    const existing = this.#options.router.routes().map((route) => route.routePath);
    MountTable.checkNewMount(entry, existing, builtIn);
    const route = await this.#start(entry);
    try {
      await this.#table(entry).add(this.#options.barrier, entry);
    } catch (error) {
      this.#options.router.unmount(route.routePath);
      await route.backend.cleanup?.();
      throw error;
    }
    return route;
  }

  /**
   * Removes a mount: stops routing to it, cleans up the backend, deletes the
   * table entry, then its data. Idempotent, as Vault's DELETE sys/mounts/:path.
   * `beforeRemove` revokes the mount's leases first (the expiration manager).
   */
  async disable(entry: MountEntry, beforeRemove?: (entry: MountEntry) => Promise<void>): Promise<void> {
    if (!this.#table(entry).find(entry.path)) return;
    await beforeRemove?.(entry);
    const route = this.#options.router.unmount(routePath(entry));
    await route?.backend.cleanup?.();
    await this.#table(entry).remove(this.#options.barrier, entry.path);
    await clearPrefix(this.#view(entry));
  }

  async tune(updated: MountEntry): Promise<void> {
    await this.#table(updated).replace(this.#options.barrier, updated);
    this.#options.router.retune(updated);
  }

  /** The effective TTLs of a mount: its own when set, else the system's, never above the system max. */
  effectiveTtls(entry: MountEntry): { defaultLeaseTtlSeconds: number; maxLeaseTtlSeconds: number } {
    const maxLeaseTtlSeconds = entry.config.maxLeaseTtlSeconds || this.#options.maxLeaseTtlSeconds;
    const defaultLeaseTtlSeconds = Math.min(
      entry.config.defaultLeaseTtlSeconds || this.#options.defaultLeaseTtlSeconds,
      maxLeaseTtlSeconds,
    );
    return { defaultLeaseTtlSeconds, maxLeaseTtlSeconds };
  }

  systemTtls(): { defaultLeaseTtlSeconds: number; maxLeaseTtlSeconds: number } {
    return {
      defaultLeaseTtlSeconds: this.#options.defaultLeaseTtlSeconds,
      maxLeaseTtlSeconds: this.#options.maxLeaseTtlSeconds,
    };
  }

  async #start(entry: MountEntry): Promise<RouteEntry> {
    const factory = this.factoryFor(entry);
    if (!factory) throw new CofferError("invalid_request", `plugin not found in the catalog: ${entry.type}`);
    const router = this.#options.router;
    const path = routePath(entry);
    // The system view reads the live entry, so a tune takes effect without a remount.
    const current = (): MountEntry => router.routes().find((route) => route.routePath === path)?.mount ?? entry;
    const system: SystemView = {
      defaultLeaseTtlSeconds: () => this.effectiveTtls(current()).defaultLeaseTtlSeconds,
      maxLeaseTtlSeconds: () => this.effectiveTtls(current()).maxLeaseTtlSeconds,
      clock: this.#options.clock,
      isStandby: this.#options.isStandby,
    };
    const storage = this.#view(entry);
    const backend: LogicalBackend = await factory({
      storage,
      system,
      logger: this.#options.logger.child({ mount: path, type: entry.type }),
      options: entry.options,
      mountPath: path,
      backendUuid: entry.uuid,
    });
    await backend.initialize?.();
    return router.mount(entry, backend, storage);
  }

  #view(entry: MountEntry): PrefixedStorage {
    return new PrefixedStorage(this.#options.barrier, storagePrefix(entry));
  }

  #table(entry: MountEntry): MountTable {
    return entry.table === "auth" ? this.tables.auth : this.tables.mounts;
  }
}
