/** The cluster layer's public surface. Other layers import from here only. */
export { DecodeError } from "./bytes.js";
export { RaftDriver } from "./driver.js";
export type { AppliedResult } from "./driver-requests.js";
export type { DriverEvent, DriverStatus, RaftDriverOptions } from "./driver-types.js";
export {
  type ForwardAnswer,
  type ForwardCall,
  ForwardingClient,
  type ForwardingServiceOptions,
  ForwardRefusedError,
  forwardingService,
} from "./forwarding.js";
export { type ConfigurationAt, Fsm, type FsmSnapshot } from "./fsm.js";
export { decodeCommand, encodeCommand } from "./fsm-command.js";
export { type LogPosition, LogStore, type LogStoreOptions } from "./log-store.js";
export { NodeDatabase, WriteBatch, type WriteOptions } from "./node-db.js";
export { NodeStorage, type NodeStorageOptions } from "./node-storage.js";
export { ObservedTransport } from "./observed-transport.js";
export { type FsmReader, RaftBackend, type RaftBackendOptions, type RaftProposer } from "./raft-backend.js";
export {
  type ClusterPortServices,
  type RaftNodeStatus,
  RaftStorage,
  type RaftStorageOptions,
} from "./raft-storage.js";
export { encodeSnapshot, SnapshotDecoder, type SnapshotItem, type SnapshotRecord } from "./snapshot-format.js";
export { type SnapshotSink, SnapshotStore, type SnapshotStoreOptions, type StoredSnapshot } from "./snapshot-store.js";
export { StableStore } from "./stable-store.js";
export {
  activeTlsPem,
  type ClusterTlsKey,
  type ClusterTlsKeyring,
  type ClusterTlsPem,
  clusterChannelCredentials,
  clusterChannelOptions,
  clusterServerCredentials,
  clusterTlsServerName,
  generateClusterTlsKeyring,
} from "./tls/cluster-tls.js";
export { type ExtraService, GrpcTransport, type GrpcTransportOptions } from "./transport/grpc-transport.js";
export { InmemNetwork, InmemTransport } from "./transport/inmem.js";
export type {
  IncomingSnapshot,
  Peer,
  SnapshotSendOutcome,
  Transport,
  TransportHandler,
  TransportStats,
} from "./transport/transport.js";
