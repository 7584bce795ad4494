export {
  type BackendConfig,
  type BackendFactory,
  type ExistenceResult,
  type Logger,
  type LogicalBackend,
  type SpecialPaths,
  type SystemView,
  silentLogger,
} from "./backend.js";
export type { Auth, LeaseOptions, Secret, TokenType } from "./lease.js";
export { type ClientOperation, isOperation, type Operation, operations } from "./operation.js";
export type { Connection, Request } from "./request.js";
export { listResponse, type RawBody, type Response, type WrapInfo } from "./response.js";
export {
  clearPrefix,
  collectKeys,
  encodeJson,
  getJson,
  PrefixedStorage,
  putJson,
  type Storage,
  type StorageOp,
} from "./storage.js";
