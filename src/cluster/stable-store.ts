/**
 * The Raft hard state (term, vote, commit) on LevelDB. Written in the same
 * batch as the log entries of a round, so a vote or a term is never durable
 * without the entries it was given for, nor the other way round.
 *
 * A change of the commit index alone need not be written before the driver
 * acts on it (raft/ready.ts): the commit index is volatile in Raft (a
 * restarted server relearns it from the leader, and the core takes what its
 * FSM applied as committed), so it may lag on disk. The driver notes it here
 * and it rides with the next batch written anyway (an append, a vote, the
 * FSM's effects): a write of its own would cost a LevelDB write on every
 * commit, on the client's path, and on ext4 an unsynced append still waits
 * for the journal commits of other writers' fsyncs (measured: p50 0.4-0.7 ms,
 * mean 1.1-1.5 ms per write with three servers on one disk).
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
  /** The newest hard state the core handed (durable once a batch carrying it is written). */
  #hardState: HardState;
  /** The newest hard state staged into a batch; the one on disk once that batch is written. */
  #staged: HardState;

  private constructor(hardState: HardState) {
    this.#hardState = hardState;
    this.#staged = hardState;
  }

  static async open(db: NodeDatabase): Promise<StableStore> {
    const bytes = await db.get(hardStateKey);
    return new StableStore(bytes ? decodeHardState(bytes) : emptyHardState);
  }

  /** The newest hard state, written or not. */
  hardState(): HardState {
    return this.#hardState;
  }

  /** Whether the newest hard state is not yet in any batch. */
  get hasPending(): boolean {
    return this.#staged !== this.#hardState;
  }

  /** Records a hard state to write later, with `stagePending` (a commit index alone may wait). */
  note(state: HardState): void {
    this.#hardState = state;
  }

  /** Stages the newest hard state into `batch` unless an earlier batch already carries it. */
  stagePending(batch: WriteBatch): void {
    if (!this.hasPending) return;
    batch.put(hardStateKey, encodeHardState(this.#hardState));
    this.#staged = this.#hardState;
  }

  stageHardState(batch: WriteBatch, state: HardState): void {
    this.note(state);
    this.stagePending(batch);
  }
}
