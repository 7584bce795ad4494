/**
 * One direction of a proxied TCP connection. While the direction is cut the
 * bytes wait (and the sender is paused once a bound is queued), exactly as a
 * TCP stream behaves when its packets are dropped: nothing arrives, and
 * after the heal the retransmitted bytes arrive in order. A delay holds
 * each chunk for that long. The end or the loss of the sending side reaches
 * the other side only through an open direction, as a FIN or RST would.
 */
import type { Socket } from "node:net";

/** Bytes queued per direction before the sender is paused. */
const queuedBytesMax = 1024 * 1024;

export interface DirectionState {
  /** True while this direction's traffic is dropped. */
  readonly blocked: () => boolean;
  readonly delayMs: () => number;
}

interface Chunk {
  readonly data: Buffer;
  readonly readyAtMs: number;
}

export class Pump {
  readonly #source: Socket;
  readonly #target: Socket;
  readonly #state: DirectionState;
  readonly #queue: Chunk[] = [];
  #queuedBytes = 0;
  #sourceEnded = false;
  #sourceLost = false;
  #finished = false;
  #timer: NodeJS.Timeout | undefined;
  #waitingForDrain = false;

  constructor(source: Socket, target: Socket, state: DirectionState) {
    this.#source = source;
    this.#target = target;
    this.#state = state;
    source.on("data", (data: Buffer) => this.#receive(data));
    source.on("end", () => {
      this.#sourceEnded = true;
      this.flush();
    });
    source.on("close", () => {
      this.#sourceLost = true;
      this.flush();
    });
    target.on("drain", () => {
      this.#waitingForDrain = false;
      this.flush();
    });
  }

  #receive(data: Buffer): void {
    this.#queue.push({ data, readyAtMs: performance.now() + this.#state.delayMs() });
    this.#queuedBytes += data.length;
    if (this.#queuedBytes > queuedBytesMax) this.#source.pause();
    this.flush();
  }

  /** Moves what may move now; call again when the direction's state changes. */
  flush(): void {
    if (this.#finished || this.#state.blocked() || this.#target.destroyed) return;
    const now = performance.now();
    while (this.#queue.length > 0 && !this.#waitingForDrain) {
      const chunk = this.#queue[0]!;
      if (chunk.readyAtMs > now) {
        this.#schedule(chunk.readyAtMs - now);
        return;
      }
      this.#queue.shift();
      this.#queuedBytes -= chunk.data.length;
      if (!this.#target.write(chunk.data)) this.#waitingForDrain = true;
    }
    if (this.#queuedBytes <= queuedBytesMax && this.#source.isPaused() && !this.#sourceLost) this.#source.resume();
    if (this.#queue.length > 0) return;
    if (this.#sourceEnded) {
      this.#finished = true;
      this.#target.end();
    } else if (this.#sourceLost) {
      this.#finished = true;
      this.#target.destroy();
    }
  }

  #schedule(waitMs: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.flush();
      },
      Math.max(1, Math.ceil(waitMs)),
    );
  }

  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#finished = true;
  }
}
