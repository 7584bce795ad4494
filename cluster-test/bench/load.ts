/**
 * Closed-loop load for the benchmark: `concurrency` workers each issue one
 * operation after another until the time is up; per-operation latencies give
 * the percentiles. The same runner drives Coffer and etcd, so both see the
 * same load shape.
 */

export interface LoadResult {
  readonly operations: number;
  readonly perSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
}

export async function runLoad(
  concurrency: number,
  durationMs: number,
  operation: (worker: number, sequence: number) => Promise<void>,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  const until = started + durationMs;
  async function worker(id: number): Promise<void> {
    for (let sequence = 0; performance.now() < until; sequence++) {
      const sent = performance.now();
      await operation(id, sequence);
      latenciesMs.push(performance.now() - sent);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));
  const elapsedS = (performance.now() - started) / 1000;
  latenciesMs.sort((a, b) => a - b);
  const quantile = (q: number) =>
    latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(q * latenciesMs.length))] ?? 0;
  return {
    operations: latenciesMs.length,
    perSecond: latenciesMs.length / elapsedS,
    latencyP50Ms: quantile(0.5),
    latencyP99Ms: quantile(0.99),
  };
}
