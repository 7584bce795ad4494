/**
 * The leader's queue of ReadIndex requests awaiting confirmation of its
 * leadership (thesis §6.4): each remembers the commit index when it arrived
 * and which voters have answered a heartbeat carrying its context since.
 * Once a quorum has, that request and every older one may be served at
 * their recorded index.
 */
import type { NodeId } from "./types.js";

export interface PendingRead {
  readonly index: number;
  readonly context: Uint8Array;
  /** Who asked: the leader itself, or the follower that forwarded the request. */
  readonly from: NodeId;
  readonly acks: Set<NodeId>;
}

function keyOf(context: Uint8Array): string {
  return Buffer.from(context.buffer, context.byteOffset, context.byteLength).toString("hex");
}

export class ReadIndexQueue {
  private readonly pending = new Map<string, PendingRead>();
  private readonly order: string[] = [];

  get size(): number {
    return this.order.length;
  }

  /** Queues a request; false when one with the same context is already queued (it is answered once). */
  add(index: number, context: Uint8Array, from: NodeId): boolean {
    const key = keyOf(context);
    if (this.pending.has(key)) return false;
    this.pending.set(key, { index, context, from, acks: new Set() });
    this.order.push(key);
    return true;
  }

  /** Records `from`'s heartbeat answer carrying `context`; returns who has acknowledged it so far. */
  acknowledge(from: NodeId, context: Uint8Array): ReadonlySet<NodeId> | undefined {
    const read = this.pending.get(keyOf(context));
    if (!read) return undefined;
    read.acks.add(from);
    return read.acks;
  }

  /** Removes and returns the request with `context` and every request queued before it. */
  releaseThrough(context: Uint8Array): PendingRead[] {
    const position = this.order.indexOf(keyOf(context));
    if (position < 0) return [];
    const keys = this.order.splice(0, position + 1);
    const released: PendingRead[] = [];
    for (const key of keys) {
      const read = this.pending.get(key);
      this.pending.delete(key);
      if (read) released.push(read);
    }
    return released;
  }

  /** Context of the newest request: a heartbeat carrying it confirms every queued one. */
  newestContext(): Uint8Array | undefined {
    const key = this.order[this.order.length - 1];
    return key === undefined ? undefined : this.pending.get(key)?.context;
  }

  clear(): void {
    this.pending.clear();
    this.order.length = 0;
  }
}
