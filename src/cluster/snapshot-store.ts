/**
 * Snapshots on disk: `<dir>/<id>.snap`, each a complete snapshot stream
 * (snapshot-format.ts: metadata, records, checksum). A snapshot is written to
 * `<id>.tmp`, verified (checksum and metadata), fsynced, renamed, and the
 * directory fsynced: a crash leaves either no snapshot or a whole one, never
 * a partial file under a `.snap` name. Only the newest `retain` are kept.
 */
import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { assert, CofferError, limits } from "../lib/index.js";
import type { SnapshotMeta } from "../raft/index.js";
import { SnapshotDecoder } from "./snapshot-format.js";

export interface StoredSnapshot {
  readonly id: string;
  readonly meta: SnapshotMeta;
  readonly bytes: number;
}

/** Receives a snapshot's bytes; `commit` verifies and publishes it, `abort` discards it. */
export interface SnapshotSink {
  write(chunk: Uint8Array): Promise<void>;
  commit(): Promise<StoredSnapshot>;
  abort(): Promise<void>;
}

export interface SnapshotStoreOptions {
  /** How many snapshots to keep (the newest); at least 1. */
  readonly retain?: number;
}

const suffix = ".snap";
const tmpSuffix = ".tmp";
const corruptSuffix = ".corrupt";

function newer(a: StoredSnapshot, b: StoredSnapshot): number {
  return b.meta.index - a.meta.index || b.meta.term - a.meta.term || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class SnapshotStore {
  readonly #dir: string;
  readonly #retain: number;
  /** Newest first. */
  #snapshots: StoredSnapshot[];
  /** Snapshots that must survive pruning whatever their age (the one the log starts from). */
  #protect: (snapshot: StoredSnapshot) => boolean = () => false;

  private constructor(dir: string, retain: number, snapshots: StoredSnapshot[]) {
    this.#dir = dir;
    this.#retain = retain;
    this.#snapshots = snapshots.sort(newer);
  }

  static async open(dir: string, options: SnapshotStoreOptions = {}): Promise<SnapshotStore> {
    const retain = options.retain ?? 2;
    if (!Number.isSafeInteger(retain) || retain < 1)
      throw new CofferError("invalid_request", "snapshot retain must be >= 1");
    await mkdir(dir, { recursive: true });
    const snapshots: StoredSnapshot[] = [];
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      if (name.endsWith(tmpSuffix)) await rm(path, { force: true });
      if (!name.endsWith(suffix)) continue;
      const found = await readHeader(path, name.slice(0, -suffix.length));
      // A file that does not even parse is set aside for an operator, never used.
      if (found === undefined) await rename(path, `${path}${corruptSuffix}`);
      else snapshots.push(found);
    }
    return new SnapshotStore(dir, retain, snapshots);
  }

  /** The snapshot with the highest index, if any. */
  latest(): StoredSnapshot | undefined {
    return this.#snapshots[0];
  }

  /** Newest first. */
  list(): readonly StoredSnapshot[] {
    return this.#snapshots;
  }

  /** Marks snapshots that pruning must keep beyond the newest `retain` (decided when pruning). */
  protect(predicate: (snapshot: StoredSnapshot) => boolean): void {
    this.#protect = predicate;
  }

  /** Starts writing a snapshot that must carry `meta`. */
  async create(meta: SnapshotMeta): Promise<SnapshotSink> {
    const id = `${String(meta.index).padStart(16, "0")}-${String(meta.term).padStart(16, "0")}-${randomBytes(4).toString("hex")}`;
    const tmpPath = join(this.#dir, `${id}${tmpSuffix}`);
    const handle = await open(tmpPath, "wx");
    const decoder = new SnapshotDecoder();
    let bytes = 0;
    let state: "open" | "committed" | "aborted" = "open";
    const abort = async (): Promise<void> => {
      if (state !== "open") return;
      state = "aborted";
      await handle.close();
      await rm(tmpPath, { force: true });
    };
    return {
      write: async (chunk) => {
        assert(state === "open", "write to a finished snapshot sink");
        try {
          decoder.push(chunk);
        } catch (error) {
          await abort();
          throw error;
        }
        await handle.write(chunk);
        bytes += chunk.byteLength;
      },
      commit: async () => {
        assert(state === "open", "commit of a finished snapshot sink");
        try {
          decoder.finish();
          const decoded = decoder.meta;
          if (decoded?.index !== meta.index || decoded.term !== meta.term) {
            throw new CofferError("invalid_request", "snapshot metadata does not match its contents");
          }
          await handle.sync();
        } catch (error) {
          await abort();
          throw error;
        }
        state = "committed";
        await handle.close();
        await rename(tmpPath, join(this.#dir, `${id}${suffix}`));
        await syncDirectory(this.#dir);
        const stored: StoredSnapshot = { id, meta: decoder.meta ?? meta, bytes };
        this.#snapshots = [stored, ...this.#snapshots].sort(newer);
        await this.#prune();
        return stored;
      },
      abort,
    };
  }

  /** Streams a stored snapshot's bytes in chunks of `chunkBytes`. */
  async *read(id: string, chunkBytes: number = limits.snapshotChunkBytes): AsyncGenerator<Uint8Array> {
    if (!this.#snapshots.some((snapshot) => snapshot.id === id)) {
      throw new CofferError("not_found", `no snapshot ${id}`);
    }
    const handle = await open(join(this.#dir, `${id}${suffix}`), "r");
    try {
      for (;;) {
        const buffer = new Uint8Array(chunkBytes);
        const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  async #prune(): Promise<void> {
    const dropped = this.#snapshots.slice(this.#retain).filter((snapshot) => !this.#protect(snapshot));
    this.#snapshots = this.#snapshots.filter((snapshot) => !dropped.includes(snapshot));
    for (const snapshot of dropped) await rm(join(this.#dir, `${snapshot.id}${suffix}`), { force: true });
  }
}

/** Reads just enough of a snapshot file to know its metadata; undefined when it is not a snapshot. */
async function readHeader(path: string, id: string): Promise<StoredSnapshot | undefined> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, "r");
    const { size } = await handle.stat();
    const decoder = new SnapshotDecoder();
    const buffer = new Uint8Array(64 * 1024);
    let position = 0;
    while (decoder.meta === undefined && position < size) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, position);
      if (bytesRead === 0) break;
      decoder.push(buffer.slice(0, bytesRead));
      position += bytesRead;
    }
    return decoder.meta === undefined ? undefined : { id, meta: decoder.meta, bytes: size };
  } catch (error) {
    if (error instanceof CofferError) return undefined;
    throw error;
  } finally {
    await handle?.close();
  }
}
