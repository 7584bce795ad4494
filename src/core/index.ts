export type { AccessControl, AccessDecision, AccessQuery } from "./access.js";
export { ActiveCore } from "./active.js";
export { Core, type CoreOptions, type CoreSettings } from "./core.js";
export {
  type CoreFacade,
  chooseMetricsFormat,
  type HandledRequest,
  type HealthStatus,
  type IncomingRequest,
  type InitRequest,
  type InitResult,
  type JoinRequest,
  type LeaderStatus,
  type MetricsFormat,
  type MetricsOutput,
  type SealStatus,
  type ServingState,
} from "./facade.js";
export type {
  ClusterControl,
  ClusterFollower,
  ClusterRole,
  ClusterServer,
  ClusterStatus,
  ClusterSuffrage,
  JoinTarget,
  LeaderApiClient,
  LeaderApiClientFactory,
  LeadershipChange,
} from "./ha/index.js";
export type { BackendRegistry } from "./mounts/index.js";
