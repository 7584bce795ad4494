export { LinkProxyNetwork, type LinkProxyOptions, type ProxiedNode } from "./link-proxy.js";
export {
  bridgeLinks,
  cutAll,
  healLinks,
  isolationLinks,
  type Link,
  type LinkFaults,
  linkName,
  partitionLinks,
} from "./links.js";
export { NamespaceNetwork, type NamespaceProbe, probeNamespaces } from "./netns.js";
export { pauseProcess, processState, resumeProcess } from "./processes.js";
export {
  defaultFaultMs,
  describeFault,
  type FaultKind,
  type FaultTarget,
  faultKinds,
  faultSchedule,
  type NodeRole,
  type PartitionShape,
  parseFaultDurations,
  parseFaultKinds,
  parsePartitionShapes,
  partitionShapes,
  resolvePick,
  type ScheduledFault,
  type ScheduleOptions,
} from "./schedule.js";
export { probeSlowDisk, SlowDisk, type SlowDiskProbe } from "./slow-disk.js";
