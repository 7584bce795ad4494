/**
 * Fixed fault scenarios (instead of a seeded schedule).
 */
import type { ScheduledFault } from "../faults/index.js";

/**
 * The active is cut off from the others, and half a second later frozen
 * (SIGSTOP, a long GC pause) for 5 s; the others elect a new active and take
 * writes. When the old one wakes, still cut off, its tick-driven
 * check-quorum starts afresh, so it goes on believing it leads for up to an
 * election timeout: reads it answers without a readIndex round are stale.
 * With reads done right (readIndex) it cannot answer them at all.
 */
export function frozenStaleLeader(startsMs: readonly number[]): ScheduledFault[] {
  return startsMs.flatMap((startMs, round): ScheduledFault[] => [
    {
      id: 2 * round + 1,
      kind: "partition",
      startMs,
      durationMs: 9_000,
      target: { kind: "partition", shape: "isolate-active", pick: 0 },
    },
    {
      id: 2 * round + 2,
      kind: "pause",
      startMs: startMs + 500,
      durationMs: 5_000,
      target: { kind: "node", role: "active", pick: 0 },
    },
  ]);
}
