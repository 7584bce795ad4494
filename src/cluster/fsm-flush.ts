/**
 * When the driver writes the FSM's in-memory effects (fsm.ts explains why
 * acknowledging before that write is safe). The effects are written only in
 * synced batches, so the choice is which fsync carries them:
 *
 *  - a round that syncs anyway (it appends entries, or records a vote):
 *    they ride along, free (group commit with the next log append);
 *  - a round whose batch would not be synced carries them only when they
 *    have grown past `bytesMax` (memory is bounded);
 *  - otherwise, once the driver has been idle for `delayMs`, a batch of
 *    their own (with the hard state, so the commit index covering them is
 *    synced too).
 *
 * Never on the client's critical path unless the overlay is full: a
 * proposal is acknowledged when applied in memory, and the fsync that makes
 * the FSM durable is the next one the log needs anyway.
 */
import type { Ready } from "../raft/index.js";
import type { Fsm } from "./fsm.js";
import type { WriteBatch } from "./node-db.js";

export interface FsmFlushOptions {
  readonly fsm: Fsm;
  /** Idle time after which unflushed effects get a synced batch of their own. */
  readonly delayMs: number;
  /** Unflushed bytes past which the next batch carries them (and is synced for it). */
  readonly bytesMax: number;
  /** Asks the driver for a round (the timer fired). */
  readonly wake: () => void;
}

export class FsmFlushPolicy {
  readonly #options: FsmFlushOptions;
  #timer: NodeJS.Timeout | undefined;
  #due = false;
  /** When the driver was first seen idle with effects unflushed since the last flush (undefined: not yet). */
  #unflushedSinceMs: number | undefined;

  constructor(options: FsmFlushOptions) {
    this.#options = options;
  }

  /** Stages the effects into this Ready's batch when it is synced anyway or they are too many; returns whether it did. */
  stageWith(ready: Ready, batch: WriteBatch): boolean {
    const { fsm, bytesMax } = this.#options;
    if (!ready.mustSync && fsm.unflushedBytes < bytesMax) return false;
    const staged = fsm.stageFlush(batch);
    if (staged) this.#flushed();
    return staged;
  }

  /** The idle delay passed with effects still unflushed: the driver should flush them on their own now. */
  get due(): boolean {
    return this.#due && this.#options.fsm.hasUnflushed();
  }

  /** Stages a batch of the effects alone (the caller adds the hard state and writes it synced). */
  stageAlone(batch: WriteBatch): boolean {
    this.#flushed();
    return this.#options.fsm.stageFlush(batch);
  }

  /**
   * The driver went idle: start counting if effects wait in memory. Under
   * steady load every round's fsync carries the previous rounds' effects, so
   * the count restarts each time and the delay never runs out.
   */
  armIfIdle(): void {
    if (!this.#options.fsm.hasUnflushed()) return;
    this.#unflushedSinceMs ??= Date.now();
    if (this.#timer === undefined) this.#arm(this.#options.delayMs);
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#options.fsm.hasUnflushed()) {
        this.#unflushedSinceMs = undefined;
        return;
      }
      const nowMs = Date.now();
      // Flushed meanwhile and busy since: count from now.
      this.#unflushedSinceMs ??= nowMs;
      const waitedMs = nowMs - this.#unflushedSinceMs;
      if (waitedMs < this.#options.delayMs) {
        this.#arm(this.#options.delayMs - waitedMs);
        return;
      }
      this.#due = true;
      this.#options.wake();
    }, delayMs);
  }

  #flushed(): void {
    this.#due = false;
    this.#unflushedSinceMs = undefined;
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
