/**
 * When each lease is next due (its expiry, or its next revocation retry): a
 * min-heap of (due time, lease id) with the current due time per lease in a
 * map. Rescheduling pushes a new heap item; stale items are skipped when
 * popped and the heap is rebuilt when they outnumber the live ones, so memory
 * stays proportional to the number of leases. Pure data: no clock, no timers.
 */

interface Item {
  readonly dueMs: number;
  readonly leaseId: string;
}

export class DueSchedule {
  readonly #dueById = new Map<string, number>();
  #heap: Item[] = [];

  get size(): number {
    return this.#dueById.size;
  }

  has(leaseId: string): boolean {
    return this.#dueById.has(leaseId);
  }

  dueMs(leaseId: string): number | undefined {
    return this.#dueById.get(leaseId);
  }

  /** Sets (or moves) the lease's due time. */
  schedule(leaseId: string, dueMs: number): void {
    if (this.#dueById.get(leaseId) === dueMs) return;
    this.#dueById.set(leaseId, dueMs);
    this.#push({ dueMs, leaseId });
    if (this.#heap.length > 64 && this.#heap.length > 2 * this.#dueById.size) this.#rebuild();
  }

  cancel(leaseId: string): void {
    this.#dueById.delete(leaseId);
  }

  clear(): void {
    this.#dueById.clear();
    this.#heap = [];
  }

  /** The earliest live due time, or undefined when nothing is scheduled. */
  nextDueMs(): number | undefined {
    this.#dropStaleTop();
    return this.#heap[0]?.dueMs;
  }

  /**
   * Removes and returns up to `limit` leases due at or before `nowMs`,
   * earliest first. A returned lease is no longer scheduled.
   */
  popDue(nowMs: number, limit: number): string[] {
    const due: string[] = [];
    while (due.length < limit) {
      this.#dropStaleTop();
      const top = this.#heap[0];
      if (!top || top.dueMs > nowMs) break;
      this.#pop();
      this.#dueById.delete(top.leaseId);
      due.push(top.leaseId);
    }
    return due;
  }

  #isLive(item: Item): boolean {
    return this.#dueById.get(item.leaseId) === item.dueMs;
  }

  #dropStaleTop(): void {
    while (this.#heap.length > 0 && !this.#isLive(this.#heap[0] as Item)) this.#pop();
  }

  #rebuild(): void {
    this.#heap = [];
    for (const [leaseId, dueMs] of this.#dueById) this.#push({ dueMs, leaseId });
  }

  #push(item: Item): void {
    const heap = this.#heap;
    heap.push(item);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((heap[parent] as Item).dueMs <= item.dueMs) break;
      heap[index] = heap[parent] as Item;
      index = parent;
    }
    heap[index] = item;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      let smallestDue = last.dueMs;
      if (left < heap.length && (heap[left] as Item).dueMs < smallestDue) {
        smallest = left;
        smallestDue = (heap[left] as Item).dueMs;
      }
      if (right < heap.length && (heap[right] as Item).dueMs < smallestDue) smallest = right;
      if (smallest === index) break;
      heap[index] = heap[smallest] as Item;
      index = smallest;
    }
    heap[index] = last;
  }
}
