/** The top-level `telemetry { ... }` stanza. Only the Prometheus sink exists in Coffer. */
import type { BlockReader } from "./reader.js";
import type { TelemetryConfig } from "./types.js";

export const telemetryDefaults: TelemetryConfig = {
  prometheusRetentionSeconds: 24 * 3600,
  disableHostname: false,
  enableHostnameLabel: false,
  usageGaugePeriodSeconds: 600,
  maximumGaugeCardinality: 500,
  leaseMetricsEpsilonSeconds: 3600,
  numLeaseMetricsBuckets: 168,
  addLeaseMetricsNamespaceLabels: false,
  filterDefault: true,
  prefixFilter: [],
};

/** Other go-metrics sinks: accepted so Vault files load, with a warning that nothing is sent there. */
const otherSinkKeys = [
  "statsite_address",
  "statsd_address",
  "dogstatsd_addr",
  "dogstatsd_tags",
  "circonus_api_token",
  "circonus_api_app",
  "circonus_api_url",
  "circonus_submission_interval",
  "circonus_submission_url",
  "circonus_check_id",
  "circonus_check_force_metric_activation",
  "circonus_check_instance_id",
  "circonus_check_search_tag",
  "circonus_check_display_name",
  "circonus_check_tags",
  "circonus_broker_id",
  "circonus_broker_select_tag",
  "stackdriver_project_id",
  "stackdriver_location",
  "stackdriver_namespace",
  "stackdriver_debug_logs",
  "metrics_prefix",
];

function decodeOne(reader: BlockReader, base: TelemetryConfig): TelemetryConfig {
  const config: TelemetryConfig = {
    prometheusRetentionSeconds: reader.durationSeconds("prometheus_retention_time") ?? base.prometheusRetentionSeconds,
    disableHostname: reader.bool("disable_hostname") ?? base.disableHostname,
    enableHostnameLabel: reader.bool("enable_hostname_label") ?? base.enableHostnameLabel,
    usageGaugePeriodSeconds: reader.durationSeconds("usage_gauge_period") ?? base.usageGaugePeriodSeconds,
    maximumGaugeCardinality: reader.integer("maximum_gauge_cardinality", { min: 0 }) ?? base.maximumGaugeCardinality,
    leaseMetricsEpsilonSeconds: reader.durationSeconds("lease_metrics_epsilon") ?? base.leaseMetricsEpsilonSeconds,
    numLeaseMetricsBuckets: reader.integer("num_lease_metrics_buckets", { min: 1 }) ?? base.numLeaseMetricsBuckets,
    addLeaseMetricsNamespaceLabels:
      reader.bool("add_lease_metrics_namespace_labels") ?? base.addLeaseMetricsNamespaceLabels,
    filterDefault: reader.bool("filter_default") ?? base.filterDefault,
    prefixFilter: reader.stringList("prefix_filter") ?? base.prefixFilter,
  };
  for (const key of otherSinkKeys) reader.ignore(key, "is ignored: Coffer exports metrics to Prometheus only");
  reader.finish();
  return config;
}

export function decodeTelemetry(readers: readonly BlockReader[]): TelemetryConfig {
  let config = telemetryDefaults;
  for (const reader of readers) config = decodeOne(reader, config);
  return config;
}
