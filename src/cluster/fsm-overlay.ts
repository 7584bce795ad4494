/**
 * The FSM's in-memory overlay: the puts and deletes of committed entries
 * that were applied (and may have been acknowledged to clients) but are not
 * yet written to LevelDB. Reads look here first. A flush stages a copy of the
 * overlay into a synced batch; once that batch is written, each flushed key
 * is forgotten unless a later apply changed it meanwhile.
 *
 * Why it is safe to acknowledge from memory (fsm.ts has the full argument):
 * an entry is acknowledged only once committed, i.e. durable in a majority
 * of Raft logs, and the FSM is a function of the log. Losing the overlay (a
 * crash of any kind) loses nothing that replaying the log cannot rebuild.
 */
import { compareKeys } from "../physical/index.js";

/**
 * One pending effect: the value put, or undefined for a delete. A fresh
 * object per apply, so a flush can tell by identity whether the key changed
 * after it staged it.
 */
export interface PendingEffect {
  readonly value: Uint8Array | undefined;
}

/** Bytes a pending effect holds (key and value), for the overlay's bound. */
function effectBytes(key: string, effect: PendingEffect): number {
  return key.length + (effect.value?.byteLength ?? 0);
}

export type StagedEffects = readonly (readonly [string, PendingEffect])[];

export class FsmOverlay {
  readonly #effects = new Map<string, PendingEffect>();
  #bytes = 0;

  get size(): number {
    return this.#effects.size;
  }

  /** Approximate memory held, to bound the overlay (the driver flushes when it grows past its limit). */
  get bytes(): number {
    return this.#bytes;
  }

  put(key: string, value: Uint8Array): void {
    this.#set(key, { value });
  }

  delete(key: string): void {
    this.#set(key, { value: undefined });
  }

  /** The pending effect on `key`, if any: its value, or undefined value for a pending delete. */
  lookup(key: string): PendingEffect | undefined {
    return this.#effects.get(key);
  }

  /** The pending effects on keys starting with `prefix`, in key byte order: a consistent copy for a list. */
  under(prefix: string): StagedEffects {
    const found: [string, PendingEffect][] = [];
    for (const entry of this.#effects) if (entry[0].startsWith(prefix)) found.push(entry);
    return found.sort((a, b) => compareKeys(a[0], b[0]));
  }

  /** A copy of every pending effect, to stage into a batch. */
  stage(): StagedEffects {
    return [...this.#effects];
  }

  /** The staged effects are written: forget each one that no apply replaced since it was staged. */
  settle(written: StagedEffects): void {
    for (const [key, effect] of written) {
      if (this.#effects.get(key) !== effect) continue;
      this.#effects.delete(key);
      this.#bytes -= effectBytes(key, effect);
    }
  }

  clear(): void {
    this.#effects.clear();
    this.#bytes = 0;
  }

  #set(key: string, effect: PendingEffect): void {
    const previous = this.#effects.get(key);
    if (previous) this.#bytes -= effectBytes(key, previous);
    // Re-inserted, so the map's order stays the order of the last change (no reader depends on it).
    this.#effects.delete(key);
    this.#effects.set(key, effect);
    this.#bytes += effectBytes(key, effect);
  }
}
