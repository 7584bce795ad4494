/**
 * The Raft gRPC service, loaded from the generated JSON descriptor (no .proto
 * file is read at run time) with the same options the generated types were
 * made with (`npm run gen`): 64-bit values as decimal strings, enums as
 * strings, defaults filled, oneof names set.
 */
import * as grpc from "@grpc/grpc-js";
import { fromJSON } from "@grpc/proto-loader";
import type { RaftClient, RaftHandlers } from "../../gen/raft/coffer/raft/v1/Raft.js";
import type { ProtoGrpcType } from "../../gen/raft/raft.js";
import { raftDescriptor } from "../../gen/raft-descriptor.js";

export type { RaftClient, RaftHandlers };

const packageDefinition = fromJSON(raftDescriptor, {
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});

// loadPackageDefinition returns an untyped tree; the generated ProtoGrpcType describes it.
const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;

export const RaftService = loaded.coffer.raft.v1.Raft;
