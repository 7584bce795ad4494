export { eagerMetrics, metricHelp, metricNames, routeMetricName } from "./names.js";
export { CofferMetrics, sanitizeMetricName } from "./registry.js";
