/**
 * The simulated state machine: a running hash of every applied entry, so two
 * replicas that applied the same sequence have the same state and a snapshot
 * is a few bytes. Its state and applied index are written together (like the
 * real FSM's single LevelDB batch) to the node's SimDisk.
 */
import type { Entry } from "../raft/index.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** FNV-1a over the entry's identity and payload, chained. */
export function chainHash(previous: number, entry: Entry): number {
  let hash = (previous ^ 0x811c9dc5) >>> 0;
  const mix = (byte: number) => {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  };
  for (const byte of encoder.encode(`${entry.index}/${entry.term}/${entry.kind}:`)) mix(byte);
  for (const byte of entry.data) mix(byte);
  return hash;
}

export class SimStateMachine {
  appliedIndex = 0;
  hash = 0;

  constructor(record: { readonly appliedIndex: number; readonly hash: number } = { appliedIndex: 0, hash: 0 }) {
    this.appliedIndex = record.appliedIndex;
    this.hash = record.hash;
  }

  apply(entry: Entry): void {
    if (entry.index !== this.appliedIndex + 1) {
      throw new Error(`FSM applied ${entry.index} after ${this.appliedIndex}: a gap or a replay`);
    }
    this.appliedIndex = entry.index;
    this.hash = chainHash(this.hash, entry);
  }

  encode(): Uint8Array {
    return encoder.encode(JSON.stringify({ index: this.appliedIndex, hash: this.hash }));
  }

  restore(data: Uint8Array, index: number): void {
    const state = JSON.parse(decoder.decode(data)) as { index: number; hash: number };
    if (state.index !== index) throw new Error(`snapshot data for ${state.index} labelled ${index}`);
    this.appliedIndex = state.index;
    this.hash = state.hash;
  }
}
