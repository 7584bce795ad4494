export { type ClusterNode, type ClusterOptions, CofferCluster, type InitResult } from "./cluster.js";
export { freePort, freePortPair } from "./ports.js";
export {
  api,
  cofferBin,
  repositoryRoot,
  ServerProcess,
  type ServerProcessOptions,
  TempDir,
  type UnexpectedExit,
} from "./server-process.js";
