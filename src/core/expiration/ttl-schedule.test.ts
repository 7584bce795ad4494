/**
 * The pure parts of leases: Vault's TTL arithmetic (a table, each row naming
 * the rule it pins), the due-time heap against a model, and the retry backoff.
 */
import fc from "fast-check";
import t from "tap";
import { DueSchedule } from "./schedule.js";
import { defaultRetryPolicy, retryDelayMs } from "./timers.js";
import { calculateTtl, humanDuration, type MountTtls, type TtlRequest, ttlBucket } from "./ttl.js";

const startMs = Date.UTC(2026, 0, 1);
const mount: MountTtls = { defaultLeaseTtlSeconds: 3600, maxLeaseTtlSeconds: 7200 };

interface TtlCase {
  readonly rule: string;
  readonly mount?: MountTtls;
  readonly request: TtlRequest;
  /** Seconds since startMs at which the TTL is computed. */
  readonly elapsedSeconds?: number;
  readonly ttlSeconds?: number;
  readonly warning?: string;
  readonly error?: string;
}

const cases: TtlCase[] = [
  { rule: "nothing asked: the mount's default", request: {}, ttlSeconds: 3600 },
  { rule: "the backend's TTL when it gives one", request: { backendTtlSeconds: 600 }, ttlSeconds: 600 },
  {
    rule: "an increment beats the backend's TTL",
    request: { incrementSeconds: 100, backendTtlSeconds: 600 },
    ttlSeconds: 100,
  },
  {
    rule: "capped by the mount max, with Vault's warning",
    request: { backendTtlSeconds: 10_000 },
    ttlSeconds: 7200,
    warning: 'TTL of "2h46m40s" exceeded the effective max_ttl of "2h"; TTL value is capped accordingly',
  },
  {
    rule: "a backend max below the mount max wins",
    request: { backendTtlSeconds: 3000, backendMaxTtlSeconds: 1000 },
    ttlSeconds: 1000,
    warning: 'TTL of "50m" exceeded the effective max_ttl of "16m40s"; TTL value is capped accordingly',
  },
  {
    rule: "a backend max above the mount max is ignored",
    request: { backendTtlSeconds: 9000, backendMaxTtlSeconds: 99_999 },
    ttlSeconds: 7200,
    warning: 'TTL of "2h30m" exceeded the effective max_ttl of "2h"; TTL value is capped accordingly',
  },
  {
    rule: "explicit max caps a plain TTL",
    request: { backendTtlSeconds: 3000, explicitMaxTtlSeconds: 500 },
    ttlSeconds: 500,
    warning: 'TTL of "50m" exceeded the effective max_ttl of "8m20s"; TTL value is capped accordingly',
  },
  { rule: "a period is granted whole", request: { periodSeconds: 300 }, ttlSeconds: 300 },
  {
    rule: "a period above the max is capped to it",
    request: { periodSeconds: 10_000 },
    ttlSeconds: 7200,
    warning: 'period of "2h46m40s" exceeded the effective max_ttl of "2h"; period value is capped accordingly',
  },
  {
    rule: "a periodic lease escapes the mount max counted from issue",
    request: { periodSeconds: 300, startMs },
    elapsedSeconds: 100_000,
    ttlSeconds: 300,
  },
  {
    rule: "but not an explicit max counted from issue",
    request: { periodSeconds: 300, explicitMaxTtlSeconds: 1000, startMs },
    elapsedSeconds: 900,
    ttlSeconds: 100,
    warning: 'TTL of "5m" exceeded the effective max_ttl of "1m40s"; TTL value is capped accordingly',
  },
  {
    rule: "a renewal is capped at issue + max",
    request: { incrementSeconds: 600, startMs },
    elapsedSeconds: 7000,
    ttlSeconds: 200,
    warning: 'TTL of "10m" exceeded the effective max_ttl of "3m20s"; TTL value is capped accordingly',
  },
  {
    rule: "no time left under the max: Vault's error",
    request: { incrementSeconds: 600, startMs },
    elapsedSeconds: 7200,
    error: "past the max TTL, cannot renew",
  },
  {
    rule: "a default above a (tuned) max is capped",
    mount: { defaultLeaseTtlSeconds: 3600, maxLeaseTtlSeconds: 1800 },
    request: {},
    ttlSeconds: 1800,
    warning: 'TTL of "1h" exceeded the effective max_ttl of "30m"; TTL value is capped accordingly',
  },
  {
    rule: "start and now are truncated to the second (Vault)",
    request: { startMs: startMs + 999 },
    elapsedSeconds: 7199.5,
    ttlSeconds: 1,
    warning: 'TTL of "1h" exceeded the effective max_ttl of "1s"; TTL value is capped accordingly',
  },
  {
    rule: "a zero max is refused",
    mount: { defaultLeaseTtlSeconds: 0, maxLeaseTtlSeconds: 0 },
    request: {},
    error: "max TTL must be greater than zero",
  },
];

t.test("calculateTtl follows Vault's CalculateTTL", async (t) => {
  for (const testCase of cases) {
    const nowMs = startMs + (testCase.elapsedSeconds ?? 0) * 1000;
    const run = () => calculateTtl(testCase.mount ?? mount, testCase.request, nowMs);
    if (testCase.error !== undefined) {
      t.throws(run, { code: "invalid_request", message: testCase.error }, testCase.rule);
      continue;
    }
    const result = run();
    t.equal(result.ttlSeconds, testCase.ttlSeconds, testCase.rule);
    t.same(result.warnings, testCase.warning ? [testCase.warning] : [], `${testCase.rule}: warnings`);
  }
});

t.test("durations print as Vault's humanDuration and buckets as metricsutil.TTLBucket", async (t) => {
  t.equal(humanDuration(0), "0s");
  t.equal(humanDuration(3600), "1h");
  t.equal(humanDuration(3601), "1h1s");
  t.equal(humanDuration(3660), "1h1m");
  t.equal(humanDuration(90), "1m30s");
  t.equal(humanDuration(120), "2m");
  t.equal(ttlBucket(0), "1m");
  t.equal(ttlBucket(60), "1m");
  t.equal(ttlBucket(61), "10m");
  t.equal(ttlBucket(2_764_800), "+Inf");
});

t.test("the due schedule pops exactly what a model says is due, earliest first", async (t) => {
  const operation = fc.oneof(
    fc.record({
      kind: fc.constant("schedule" as const),
      id: fc.integer({ min: 0, max: 20 }),
      dueMs: fc.integer({ min: 0, max: 1000 }),
    }),
    fc.record({ kind: fc.constant("cancel" as const), id: fc.integer({ min: 0, max: 20 }) }),
    fc.record({
      kind: fc.constant("pop" as const),
      nowMs: fc.integer({ min: 0, max: 1000 }),
      limit: fc.integer({ min: 1, max: 5 }),
    }),
  );
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
      const schedule = new DueSchedule();
      const model = new Map<string, number>();
      for (const op of operations) {
        if (op.kind === "schedule") {
          schedule.schedule(`l${op.id}`, op.dueMs);
          model.set(`l${op.id}`, op.dueMs);
        } else if (op.kind === "cancel") {
          schedule.cancel(`l${op.id}`);
          model.delete(`l${op.id}`);
        } else {
          const popped = schedule.popDue(op.nowMs, op.limit);
          const due = [...model.entries()].filter(([, dueMs]) => dueMs <= op.nowMs);
          if (popped.length !== Math.min(op.limit, due.length)) return false;
          let previous = -1;
          for (const id of popped) {
            const dueMs = model.get(id);
            if (dueMs === undefined || dueMs > op.nowMs || dueMs < previous) return false;
            previous = dueMs;
            model.delete(id);
          }
        }
        if (schedule.size !== model.size) return false;
        const earliest = Math.min(...model.values());
        if ((schedule.nextDueMs() ?? Number.POSITIVE_INFINITY) !== earliest) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass("heap agrees with the model");
});

t.test("retry delays double from the base with ±50% jitter, bounded", async (t) => {
  const low = { ...defaultRetryPolicy, random: () => 0 };
  const high = { ...defaultRetryPolicy, random: () => 0.999_999 };
  t.equal(retryDelayMs(low, 1), 10_000, "2^1 × 10 s − 50%");
  t.equal(retryDelayMs(high, 1), 30_000, "2^1 × 10 s + 50%");
  t.equal(retryDelayMs(low, 3), 40_000);
  t.equal(retryDelayMs(high, 20), defaultRetryPolicy.maxDelayMs, "never above the bound");
  for (let attempt = 1; attempt < defaultRetryPolicy.attemptsMax; attempt++) {
    t.ok(
      retryDelayMs(defaultRetryPolicy, attempt) >= retryDelayMs(low, attempt),
      `attempt ${attempt} at least the low bound`,
    );
  }
});
