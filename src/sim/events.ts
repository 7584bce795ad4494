/**
 * The simulator's virtual clock: a priority queue of actions ordered by
 * (time, insertion order), so equal-time events run in a deterministic order.
 */
interface Scheduled {
  readonly time: number;
  readonly sequence: number;
  readonly run: () => void;
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.time < b.time || (a.time === b.time && a.sequence < b.sequence);
}

export class EventQueue {
  private readonly heap: Scheduled[] = [];
  private sequence = 0;
  now = 0;

  get size(): number {
    return this.heap.length;
  }

  at(time: number, run: () => void): void {
    this.push({ time: Math.max(time, this.now), sequence: this.sequence++, run });
  }

  after(delay: number, run: () => void): void {
    this.at(this.now + delay, run);
  }

  /** Runs the next event if it is due by `deadline`; returns false when none is. */
  runNext(deadline: number): boolean {
    const next = this.heap[0];
    if (!next || next.time > deadline) return false;
    this.pop();
    this.now = next.time;
    next.run();
    return true;
  }

  private push(item: Scheduled): void {
    const heap = this.heap;
    heap.push(item);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index]!, heap[parent]!)) break;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
      index = smallest;
    }
  }
}
