/**
 * The append messages in flight to one follower in the replicate state: the
 * last index each carried and its entry bytes, oldest first. Bounded in count
 * and in bytes; the leader stops sending to the follower while it is full
 * (flow control), and frees entries as acknowledgements arrive.
 */
import { assert } from "../lib/index.js";

export class Inflights {
  /** Ring buffer of last indexes; `start` is the oldest, `count` are live. */
  private readonly indexes: number[];
  private readonly sizes: number[];
  private start = 0;
  private liveCount = 0;
  private liveBytes = 0;

  constructor(
    private readonly capacity: number,
    private readonly bytesMax: number,
  ) {
    assert(Number.isSafeInteger(capacity) && capacity > 0, "inflights capacity must be positive");
    this.indexes = new Array<number>(capacity).fill(0);
    this.sizes = new Array<number>(capacity).fill(0);
  }

  get count(): number {
    return this.liveCount;
  }

  get bytes(): number {
    return this.liveBytes;
  }

  full(): boolean {
    return this.liveCount === this.capacity || this.liveBytes >= this.bytesMax;
  }

  /** Records a message whose last entry is `lastIndex`; indexes must increase. */
  add(lastIndex: number, bytes: number): void {
    assert(!this.full(), "cannot add to full inflights");
    if (this.liveCount > 0) {
      const newest = this.indexes[(this.start + this.liveCount - 1) % this.capacity]!;
      assert(lastIndex > newest, `inflight index ${lastIndex} not above ${newest}`);
    }
    const slot = (this.start + this.liveCount) % this.capacity;
    this.indexes[slot] = lastIndex;
    this.sizes[slot] = bytes;
    this.liveCount += 1;
    this.liveBytes += bytes;
  }

  /** Frees every message whose last index is <= `index` (they are acknowledged). */
  freeLessOrEqual(index: number): void {
    while (this.liveCount > 0 && this.indexes[this.start]! <= index) this.freeOldest();
  }

  /** Frees the oldest message, if any (a heartbeat answer unblocks a window whose acks were lost). */
  freeOldest(): void {
    if (this.liveCount === 0) return;
    this.liveBytes -= this.sizes[this.start]!;
    this.start = (this.start + 1) % this.capacity;
    this.liveCount -= 1;
  }

  reset(): void {
    this.start = 0;
    this.liveCount = 0;
    this.liveBytes = 0;
  }
}
