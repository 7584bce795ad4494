/**
 * The one metrics registry. Every metric Coffer exports is created here, with
 * Vault's name where Vault has one, so dashboards built for Vault work. Timers
 * are summaries in milliseconds with Vault's quantiles (0.5/0.9/0.99) over a
 * sliding window, as Vault's Prometheus sink exports them. Instances are
 * created by the server's composition root and injected; there is no
 * module-level registry.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry, Summary } from "prom-client";
import { eagerMetrics, metricHelp } from "./names.js";

const quantiles = [0.5, 0.9, 0.99];
/** Vault's in-memory sink keeps ten-second intervals; a minute of samples is close in spirit. */
const windowSeconds = 60;

/** Vault's sanitising: `.`, `-`, space, `=` and `/` become `_`. */
export function sanitizeMetricName(name: string): string {
  return name.replace(/[.\- =/]/g, "_").replace(/[^a-zA-Z0-9_:]/g, "_");
}

export class CofferMetrics {
  readonly registry = new Registry();
  readonly #summaries = new Map<string, Summary<string>>();
  readonly #counters = new Map<string, Counter<string>>();
  readonly #gauges = new Map<string, Gauge<string>>();

  constructor(options: { collectProcessMetrics?: boolean } = {}) {
    if (options.collectProcessMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    for (const name of eagerMetrics.counters) this.counter(name);
    for (const name of eagerMetrics.gauges) this.gauge(name);
    for (const name of eagerMetrics.summaries) this.summary(name);
  }

  /** A timer in milliseconds (summary); created on first use so route metrics can be per mount. */
  summary(name: string, help = metricHelp[name] ?? name, labelNames: readonly string[] = []): Summary<string> {
    const metricName = sanitizeMetricName(name);
    let metric = this.#summaries.get(metricName);
    if (!metric) {
      metric = new Summary({
        name: metricName,
        help,
        labelNames,
        percentiles: quantiles,
        maxAgeSeconds: windowSeconds,
        ageBuckets: 6,
        registers: [this.registry],
      });
      this.#summaries.set(metricName, metric);
    }
    return metric;
  }

  counter(name: string, help = metricHelp[name] ?? name, labelNames: readonly string[] = []): Counter<string> {
    const metricName = sanitizeMetricName(name);
    let metric = this.#counters.get(metricName);
    if (!metric) {
      metric = new Counter({ name: metricName, help, labelNames, registers: [this.registry] });
      this.#counters.set(metricName, metric);
    }
    return metric;
  }

  gauge(name: string, help = metricHelp[name] ?? name, labelNames: readonly string[] = []): Gauge<string> {
    const metricName = sanitizeMetricName(name);
    let metric = this.#gauges.get(metricName);
    if (!metric) {
      metric = new Gauge({ name: metricName, help, labelNames, registers: [this.registry] });
      this.#gauges.set(metricName, metric);
    }
    return metric;
  }

  /** Records the time since `startMs` (from performance.now()) in a summary. */
  observeSince(name: string, startMs: number, labels: Record<string, string> = {}): void {
    this.summary(name).observe(labels, performance.now() - startMs);
  }

  /** Prometheus text exposition of everything registered. */
  async prometheusText(): Promise<string> {
    return this.registry.metrics();
  }

  get prometheusContentType(): string {
    return this.registry.contentType;
  }
}
