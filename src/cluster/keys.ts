/**
 * The key layout of a node's one LevelDB database. One database holds the
 * Raft log, the stable state and the FSM, separated by a one-byte tag, so
 * that:
 *  - the driver's one synced batch per round can carry a log append, the
 *    hard state and a log compaction together, and its fsync also makes
 *    durable every unsynced FSM apply written before it (one write-ahead log);
 *  - an FSM apply writes its operations and the applied index in one batch,
 *    and a snapshot restore swaps the FSM's keyspace, applied index and
 *    configuration in one batch.
 *
 *   "L" + u64 index (big-endian, fixed width)  -> log entry record
 *   "S" + name                                 -> stable state (hard state, log start)
 *   "M" + name                                 -> FSM metadata (applied, configuration, generation)
 *   "D" + u32 generation + key (UTF-8)         -> FSM data
 *
 * Big-endian fixed-width indexes make LevelDB's byte order the numeric order.
 * The FSM data lives under a generation so a restore can fill a fresh
 * keyspace and switch to it atomically (see fsm.ts).
 */
import type { LogIndex } from "../raft/index.js";
import { ByteReader, ByteWriter, concatBytes, utf8 } from "./bytes.js";

const logTag = 0x4c; // "L"
const stableTag = 0x53; // "S"
const fsmMetaTag = 0x4d; // "M"
const fsmDataTag = 0x44; // "D"

export interface KeyRange {
  readonly gte: Uint8Array;
  readonly lt: Uint8Array;
}

export function logKey(index: LogIndex | number): Uint8Array {
  return new ByteWriter(9).u8(logTag).u64(index).finish();
}

export function indexOfLogKey(key: Uint8Array): number {
  const reader = new ByteReader(key, "log key");
  if (reader.u8() !== logTag) throw reader.error("not a log key");
  const index = reader.u64();
  reader.end();
  return index;
}

/** Every log key, from index `from` (inclusive) on. */
export function logRange(from = 0): KeyRange {
  return { gte: logKey(from), lt: Uint8Array.of(logTag + 1) };
}

export const hardStateKey = concatBytes(Uint8Array.of(stableTag), utf8("hardstate"));
/** The (index, term) the log starts after: the last compacted or snapshotted entry. */
export const logStartKey = concatBytes(Uint8Array.of(stableTag), utf8("logstart"));

export const appliedKey = concatBytes(Uint8Array.of(fsmMetaTag), utf8("applied"));
export const configurationKey = concatBytes(Uint8Array.of(fsmMetaTag), utf8("configuration"));
export const generationKey = concatBytes(Uint8Array.of(fsmMetaTag), utf8("generation"));

export const generationMax = 2 ** 32 - 1;

export function fsmDataPrefix(generation: number): Uint8Array {
  return new ByteWriter(5).u8(fsmDataTag).u32(generation).finish();
}

export function fsmDataKey(generation: number, key: string): Uint8Array {
  return concatBytes(fsmDataPrefix(generation), utf8(key));
}

/** The FSM data of one generation. */
export function fsmGenerationRange(generation: number): KeyRange {
  return {
    gte: fsmDataPrefix(generation),
    lt: generation === generationMax ? Uint8Array.of(fsmDataTag + 1) : fsmDataPrefix(generation + 1),
  };
}

/** Every FSM data key of every generation. */
export const fsmDataRange: KeyRange = { gte: Uint8Array.of(fsmDataTag), lt: Uint8Array.of(fsmDataTag + 1) };

export const fsmDataPrefixBytes = 5;
