export {
  Autopilot,
  type AutopilotConfig,
  autopilotDefaults,
  loadAutopilotConfig,
  renderAutopilotConfig,
  storeAutopilotConfig,
  validateAutopilotConfig,
} from "./autopilot.js";
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
} from "./cluster-control.js";
export {
  checkServerId,
  clusterAddressOf,
  clusterTlsStorageKey,
  JoinChallenges,
  openChallenge,
  type ParsedChallenge,
  parseChallenge,
} from "./join.js";
