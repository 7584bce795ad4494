/**
 * The in-memory mount tables and their persistence. Mutations write the whole
 * table in one storage put (a table is small) before the in-memory copy
 * changes, so a failed write never leaves memory ahead of storage.
 */
import { CofferError } from "../../lib/index.js";
import { getJson, putJson, type Storage } from "../../logical/index.js";
import { type MountEntry, type MountTableKind, routePath } from "./mount-entry.js";

const tableKeys: Record<MountTableKind, string> = { mounts: "core/mounts", auth: "core/auth" };

interface StoredTable {
  type: MountTableKind;
  entries: MountEntry[];
}

/** Mount points that can never be used (Vault's protectedMounts) or only by built-ins. */
const protectedPrefixes = ["sys/", "cubbyhole/", "identity/", "auth/", "audit/"];
const singletonTypes = new Set(["cubbyhole", "system", "token", "identity"]);

export class MountTable {
  readonly kind: MountTableKind;
  #entries: MountEntry[];

  private constructor(kind: MountTableKind, entries: MountEntry[]) {
    this.kind = kind;
    this.#entries = entries;
  }

  /** Loads the table from the barrier; undefined when it was never written (first unseal). */
  static async load(storage: Storage, kind: MountTableKind): Promise<MountTable | undefined> {
    const stored = await getJson<StoredTable>(storage, tableKeys[kind]);
    return stored ? new MountTable(kind, stored.entries) : undefined;
  }

  static empty(kind: MountTableKind): MountTable {
    return new MountTable(kind, []);
  }

  entries(): readonly MountEntry[] {
    return this.#entries;
  }

  find(path: string): MountEntry | undefined {
    return this.#entries.find((entry) => entry.path === path);
  }

  findByAccessor(accessor: string): MountEntry | undefined {
    return this.#entries.find((entry) => entry.accessor === accessor);
  }

  /**
   * Checks a new entry against Vault's rules: protected paths (403),
   * singleton types (403), and prefix conflicts with any mount in either
   * table (409). `allRoutePaths` are the route paths of every current mount.
   */
  static checkNewMount(entry: MountEntry, allRoutePaths: readonly string[], builtIn: boolean): void {
    const route = routePath(entry);
    if (!builtIn) {
      if (entry.table === "mounts" && protectedPrefixes.some((prefix) => route.startsWith(prefix))) {
        throw new CofferError("permission_denied", `cannot mount "${entry.path}"`);
      }
      if (singletonTypes.has(entry.type)) {
        throw new CofferError("permission_denied", `mount type of "${entry.type}" is not mountable`);
      }
    }
    for (const existing of allRoutePaths) {
      if (route.startsWith(existing)) throw new CofferError("conflict", `path is already in use at ${existing}`);
      if (existing.startsWith(route)) throw new CofferError("conflict", `existing mount at ${existing}`);
    }
  }

  /** Persists the table with `entry` added, then adds it in memory. */
  async add(storage: Storage, entry: MountEntry): Promise<void> {
    const next = [...this.#entries, entry];
    await this.#persist(storage, next);
    this.#entries = next;
  }

  async remove(storage: Storage, path: string): Promise<MountEntry | undefined> {
    const removed = this.find(path);
    if (!removed) return undefined;
    const next = this.#entries.filter((entry) => entry !== removed);
    await this.#persist(storage, next);
    this.#entries = next;
    return removed;
  }

  async replace(storage: Storage, updated: MountEntry): Promise<void> {
    const next = this.#entries.map((entry) => (entry.uuid === updated.uuid ? updated : entry));
    await this.#persist(storage, next);
    this.#entries = next;
  }

  async save(storage: Storage): Promise<void> {
    await this.#persist(storage, this.#entries);
  }

  async #persist(storage: Storage, entries: MountEntry[]): Promise<void> {
    const stored: StoredTable = { type: this.kind, entries };
    await putJson(storage, tableKeys[this.kind], stored);
  }
}
