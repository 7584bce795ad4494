/**
 * sys/metrics without `format=prometheus`: the shape of Vault's in-memory
 * sink (`Gauges`, `Counters`, `Samples`), built from the prom-client registry.
 */
import type { Registry } from "prom-client";
import type { Clock } from "../lib/index.js";

interface JsonMetric {
  Name: string;
  Labels: Record<string, string>;
}

export async function renderMetricsJson(registry: Registry, clock: Clock): Promise<Record<string, unknown>> {
  const gauges: Array<JsonMetric & { Value: number }> = [];
  const counters: Array<JsonMetric & { Count: number; Sum: number }> = [];
  const samples: Array<JsonMetric & { Count: number; Sum: number; Mean: number }> = [];
  for (const metric of await registry.getMetricsAsJSON()) {
    const values = metric.values as Array<{
      value: number;
      labels: Record<string, string | number>;
      metricName?: string;
    }>;
    const labelsOf = (value: { labels: Record<string, string | number> }) =>
      Object.fromEntries(Object.entries(value.labels).map(([key, label]) => [key, String(label)]));
    switch (String(metric.type)) {
      case "gauge":
        for (const value of values) gauges.push({ Name: metric.name, Value: value.value, Labels: labelsOf(value) });
        break;
      case "counter":
        for (const value of values)
          counters.push({ Name: metric.name, Count: value.value, Sum: value.value, Labels: labelsOf(value) });
        break;
      case "summary": {
        const count = values.find((value) => value.metricName?.endsWith("_count"))?.value ?? 0;
        const sum = values.find((value) => value.metricName?.endsWith("_sum"))?.value ?? 0;
        samples.push({ Name: metric.name, Count: count, Sum: sum, Mean: count ? sum / count : 0, Labels: {} });
        break;
      }
      default:
        break;
    }
  }
  return {
    Timestamp: new Date(clock.nowMs()).toISOString(),
    Gauges: gauges,
    Points: [],
    Counters: counters,
    Samples: samples,
  };
}
