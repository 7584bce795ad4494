/**
 * The byte format of a Raft snapshot, the same on disk (snapshot files), on
 * the wire (InstallSnapshot chunks) and, later, in `operator raft snapshot
 * save` files. Self-describing and checksummed:
 *
 *   "COFFERSN" | u8 version (1) | u32 meta length | meta (JSON: index, term, configuration)
 *   record*    = u8 1 | u32 key length | key (UTF-8) | u32 value length | value
 *   trailer    = u8 0 | SHA-256 of every byte before the digest
 *
 * Fixed-width lengths keep the incremental decoder simple. The decoder checks
 * every bound and the checksum; a consumer must not make what it decoded
 * visible before `finish()` has verified the checksum.
 */
import { createHash, type Hash } from "node:crypto";
import { limits } from "../lib/index.js";
import type { Configuration, Server, SnapshotMeta } from "../raft/index.js";
import { toLogIndex, toTerm } from "../raft/index.js";
import { ByteWriter, DecodeError, fromUtf8, utf8 } from "./bytes.js";

const magic = utf8("COFFERSN");
const formatVersion = 1;
const recordTag = 1;
const endTag = 0;
const digestBytes = 32;
const metaBytesMax = 1024 * 1024;

export interface SnapshotRecord {
  /** The FSM key as UTF-8 bytes. */
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export function encodeSnapshotMeta(meta: SnapshotMeta): Uint8Array {
  return utf8(JSON.stringify({ index: meta.index, term: meta.term, configuration: meta.configuration }));
}

function fail(message: string): DecodeError {
  return new DecodeError("invalid_request", `invalid snapshot: ${message}`);
}

function isSafeCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function parseServer(value: unknown): Server {
  const server = value as Record<string, unknown> | null;
  if (
    typeof server !== "object" ||
    server === null ||
    typeof server["id"] !== "string" ||
    typeof server["address"] !== "string" ||
    (server["suffrage"] !== "voter" && server["suffrage"] !== "nonvoter")
  ) {
    throw fail("malformed server in the configuration");
  }
  return { id: server["id"], address: server["address"], suffrage: server["suffrage"] };
}

export function decodeSnapshotMeta(bytes: Uint8Array): SnapshotMeta {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(bytes));
  } catch (error) {
    throw new DecodeError("invalid_request", "invalid snapshot: metadata is not JSON", { cause: error });
  }
  const meta = parsed as { index?: unknown; term?: unknown; configuration?: { servers?: unknown } } | null;
  const servers = meta?.configuration?.servers;
  if (!isSafeCount(meta?.index) || !isSafeCount(meta?.term) || !Array.isArray(servers)) {
    throw fail("malformed metadata");
  }
  const configuration: Configuration = { servers: servers.map(parseServer) };
  return { index: toLogIndex(meta.index), term: toTerm(meta.term), configuration };
}

/**
 * Streams `meta` and `records` as chunks of about `chunkBytes` (a record
 * larger than that makes one larger chunk). The last chunk ends with the
 * checksum.
 */
export async function* encodeSnapshot(
  meta: SnapshotMeta,
  records: AsyncIterable<SnapshotRecord>,
  chunkBytes: number = limits.snapshotChunkBytes,
): AsyncGenerator<Uint8Array> {
  const hash = createHash("sha256");
  const metaBytes = encodeSnapshotMeta(meta);
  let writer = new ByteWriter(chunkBytes + 64).raw(magic).u8(formatVersion).u32(metaBytes.byteLength).raw(metaBytes);
  for await (const record of records) {
    writer.u8(recordTag).u32(record.key.byteLength).raw(record.key).u32(record.value.byteLength).raw(record.value);
    if (writer.length >= chunkBytes) {
      const chunk = writer.finish();
      hash.update(chunk);
      yield chunk;
      writer = new ByteWriter(chunkBytes + 64);
    }
  }
  writer.u8(endTag);
  const tail = writer.finish();
  hash.update(tail);
  yield new ByteWriter(tail.byteLength + digestBytes).raw(tail).raw(hash.digest()).finish();
}

export type SnapshotItem =
  | { readonly type: "meta"; readonly meta: SnapshotMeta }
  | { readonly type: "record"; readonly record: SnapshotRecord };

type Stage = "magic" | "meta" | "tag" | "keyLength" | "key" | "valueLength" | "value" | "digest" | "done";

/**
 * Incremental decoder: `push` chunks as they arrive (any split), collect the
 * items, and call `finish()` at the end, which throws unless the stream was
 * complete and its checksum matches.
 */
export class SnapshotDecoder {
  readonly #hash: Hash = createHash("sha256");
  readonly #chunks: Uint8Array[] = [];
  #buffered = 0;
  #stage: Stage = "magic";
  #needed = magic.byteLength + 1 + 4;
  #key: Uint8Array = new Uint8Array();
  #meta: SnapshotMeta | undefined;
  #records = 0;

  /** Items hold views into the pushed chunks: copy them if the chunks are reused. */
  push(chunk: Uint8Array): SnapshotItem[] {
    if (chunk.byteLength === 0) return [];
    if (this.#isDone()) throw fail("bytes after the checksum");
    this.#chunks.push(chunk);
    this.#buffered += chunk.byteLength;
    const items: SnapshotItem[] = [];
    while (!this.#isDone() && this.#buffered >= this.#needed) {
      const item = this.#step(this.#take(this.#needed, this.#stage !== "digest"));
      if (item) items.push(item);
    }
    if (this.#isDone() && this.#buffered > 0) throw fail("bytes after the checksum");
    return items;
  }

  /** The metadata, once the header has been decoded. */
  get meta(): SnapshotMeta | undefined {
    return this.#meta;
  }

  get records(): number {
    return this.#records;
  }

  finish(): void {
    if (!this.#isDone()) throw fail("truncated");
  }

  #isDone(): boolean {
    return this.#stage === "done";
  }

  #step(bytes: Uint8Array): SnapshotItem | undefined {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    switch (this.#stage) {
      case "magic": {
        if (Buffer.compare(bytes.subarray(0, magic.byteLength), magic) !== 0) throw fail("not a Coffer snapshot");
        const version = view.getUint8(magic.byteLength);
        if (version !== formatVersion) throw fail(`unknown format version ${version}`);
        const length = view.getUint32(magic.byteLength + 1);
        if (length > metaBytesMax) throw fail("metadata too large");
        return this.#expect("meta", length);
      }
      case "meta":
        this.#meta = decodeSnapshotMeta(bytes);
        this.#expect("tag", 1);
        return { type: "meta", meta: this.#meta };
      case "tag": {
        const tag = view.getUint8(0);
        if (tag === endTag) return this.#expect("digest", digestBytes);
        if (tag !== recordTag) throw fail(`unknown record tag ${tag}`);
        return this.#expect("keyLength", 4);
      }
      case "keyLength": {
        const length = view.getUint32(0);
        if (length === 0 || length > limits.storageKeyBytesMax) throw fail(`key length ${length} out of bounds`);
        return this.#expect("key", length);
      }
      case "key":
        try {
          fromUtf8(bytes);
        } catch {
          throw fail("key is not UTF-8");
        }
        this.#key = bytes;
        return this.#expect("valueLength", 4);
      case "valueLength": {
        const length = view.getUint32(0);
        if (length > limits.storageValueBytesMax) throw fail(`value length ${length} out of bounds`);
        return this.#expect("value", length);
      }
      case "value":
        this.#records += 1;
        this.#expect("tag", 1);
        return { type: "record", record: { key: this.#key, value: bytes } };
      case "digest":
        if (Buffer.compare(bytes, this.#hash.digest()) !== 0) throw fail("checksum mismatch");
        this.#stage = "done";
        this.#needed = 0;
        return undefined;
      case "done":
        throw fail("bytes after the checksum");
    }
  }

  #expect(stage: Stage, bytes: number): undefined {
    this.#stage = stage;
    this.#needed = bytes;
    return undefined;
  }

  /** Removes exactly `length` buffered bytes (copying only when they span chunks), hashing them if asked. */
  #take(length: number, hashed: boolean): Uint8Array {
    let out: Uint8Array;
    const first = this.#chunks[0];
    if (first !== undefined && first.byteLength >= length) {
      out = first.subarray(0, length);
      if (first.byteLength === length) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(length);
    } else {
      out = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const chunk = this.#chunks[0];
        if (chunk === undefined) break;
        const used = Math.min(chunk.byteLength, length - filled);
        out.set(chunk.subarray(0, used), filled);
        filled += used;
        if (used === chunk.byteLength) this.#chunks.shift();
        else this.#chunks[0] = chunk.subarray(used);
      }
    }
    this.#buffered -= length;
    if (hashed) this.#hash.update(out);
    return out;
  }
}
