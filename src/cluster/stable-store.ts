/**
 * The Raft hard state (term, vote, commit) on LevelDB. Written in the same
 * batch as the log entries of a round, so a vote or a term is never durable
 * without the entries it was given for, nor the other way round.
 */

import type { HardState } from "../raft/index.js";
import { emptyHardState, toLogIndex, toTerm } from "../raft/index.js";
import { ByteReader, ByteWriter, DecodeError, fromUtf8, utf8 } from "./bytes.js";
import { hardStateKey } from "./keys.js";
import type { NodeDatabase, WriteBatch } from "./node-db.js";

const hardStateVersion = 1;

export function encodeHardState(state: HardState): Uint8Array {
  return new ByteWriter(32).u8(hardStateVersion).u64(state.term).u64(state.commit).bytes(utf8(state.votedFor)).finish();
}

export function decodeHardState(bytes: Uint8Array): HardState {
  const reader = new ByteReader(bytes, "hard state");
  const version = reader.u8();
  if (version !== hardStateVersion) throw reader.error(`unknown version ${version}`);
  const term = toTerm(reader.u64());
  const commit = toLogIndex(reader.u64());
  let votedFor: string;
  try {
    votedFor = fromUtf8(reader.bytes());
  } catch {
    throw new DecodeError("internal", "cannot decode hard state: vote is not UTF-8");
  }
  reader.end();
  return { term, votedFor, commit };
}

export class StableStore {
  #hardState: HardState;

  private constructor(hardState: HardState) {
    this.#hardState = hardState;
  }

  static async open(db: NodeDatabase): Promise<StableStore> {
    const bytes = await db.get(hardStateKey);
    return new StableStore(bytes ? decodeHardState(bytes) : emptyHardState);
  }

  /** The last hard state staged (and, once its batch is written, durable). */
  hardState(): HardState {
    return this.#hardState;
  }

  stageHardState(batch: WriteBatch, state: HardState): void {
    batch.put(hardStateKey, encodeHardState(state));
    this.#hardState = state;
  }
}
