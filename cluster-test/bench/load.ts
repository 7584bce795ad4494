/**
 * Closed-loop load for the benchmark: `concurrency` workers each issue one
 * operation after another until the time is up; per-operation latencies give
 * the percentiles. The same runner drives Coffer and etcd, so both see the
 * same load shape. A phase may run in several slices (alternating with the
 * other system's, so both meet the same noise on a shared machine); a
 * `LoadRecorder` adds the slices up.
 */

export interface LoadResult {
  readonly operations: number;
  readonly perSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
}

export class LoadRecorder {
  readonly #latenciesMs: number[] = [];
  #elapsedMs = 0;

  /** Runs one slice of `durationMs` and adds it to the totals. */
  async slice(
    concurrency: number,
    durationMs: number,
    operation: (worker: number, sequence: number) => Promise<void>,
  ): Promise<void> {
    const started = performance.now();
    const until = started + durationMs;
    const latenciesMs = this.#latenciesMs;
    const sequences = new Map<number, number>();
    async function worker(id: number): Promise<void> {
      while (performance.now() < until) {
        const sequence = sequences.get(id) ?? 0;
        sequences.set(id, sequence + 1);
        const sent = performance.now();
        await operation(id, sequence);
        latenciesMs.push(performance.now() - sent);
      }
    }
    await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));
    this.#elapsedMs += performance.now() - started;
  }

  result(): LoadResult {
    const latenciesMs = [...this.#latenciesMs].sort((a, b) => a - b);
    const quantile = (q: number) =>
      latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(q * latenciesMs.length))] ?? 0;
    return {
      operations: latenciesMs.length,
      perSecond: latenciesMs.length / (this.#elapsedMs / 1000),
      latencyP50Ms: quantile(0.5),
      latencyP99Ms: quantile(0.99),
    };
  }
}
