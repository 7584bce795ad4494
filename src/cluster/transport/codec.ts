/**
 * Raft messages <-> their protobuf form. The only place 64-bit values cross
 * between protobuf (decoded as decimal strings) and TypeScript (safe
 * integers): every one is checked, and a message that fails any check is
 * refused with a typed error, never half-delivered.
 */
import type { AppendEntries__Output } from "../../gen/raft/coffer/raft/v1/AppendEntries.js";
import type { AppendEntriesResponse__Output } from "../../gen/raft/coffer/raft/v1/AppendEntriesResponse.js";
import type { Entry__Output, Entry as EntryProto } from "../../gen/raft/coffer/raft/v1/Entry.js";
import type { FollowerMessage, FollowerMessage__Output } from "../../gen/raft/coffer/raft/v1/FollowerMessage.js";
import type {
  InstallSnapshotHeader,
  InstallSnapshotHeader__Output,
} from "../../gen/raft/coffer/raft/v1/InstallSnapshotHeader.js";
import type { LeaderMessage, LeaderMessage__Output } from "../../gen/raft/coffer/raft/v1/LeaderMessage.js";
import type {
  RequestVoteRequest,
  RequestVoteRequest__Output,
} from "../../gen/raft/coffer/raft/v1/RequestVoteRequest.js";
import type {
  RequestVoteResponse__Output,
  RequestVoteResponse as RequestVoteResponseProto,
} from "../../gen/raft/coffer/raft/v1/RequestVoteResponse.js";
import type {
  SnapshotMeta__Output,
  SnapshotMeta as SnapshotMetaProto,
} from "../../gen/raft/coffer/raft/v1/SnapshotMeta.js";
import type { TimeoutNowRequest, TimeoutNowRequest__Output } from "../../gen/raft/coffer/raft/v1/TimeoutNowRequest.js";
import type {
  AppendEntries,
  AppendEntriesResponse,
  Entry,
  Heartbeat,
  HeartbeatResponse,
  InstallSnapshot,
  LogIndex,
  NodeId,
  ReadIndexRequest,
  ReadIndexResponse,
  RequestVote,
  RequestVoteResponse,
  SnapshotMeta,
  Term,
  TimeoutNow,
} from "../../raft/index.js";
import { toLogIndex, toTerm } from "../../raft/index.js";
import { DecodeError } from "../bytes.js";

/** Messages a leader sends down its AppendEntries stream. */
export type LeaderStreamMessage = AppendEntries | Heartbeat | ReadIndexResponse;
/** Messages a follower sends back up the leader's stream. */
export type FollowerStreamMessage = AppendEntriesResponse | HeartbeatResponse | ReadIndexRequest;

function invalid(message: string): DecodeError {
  return new DecodeError("invalid_request", `invalid raft message: ${message}`);
}

/** A uint64 decoded as a decimal string -> a safe integer, or a typed error. */
export function fromUint64(value: string | undefined, field: string): number {
  const number = Number(value);
  if (value === undefined || !/^[0-9]{1,16}$/.test(value) || !Number.isSafeInteger(number)) {
    throw invalid(`${field} ${JSON.stringify(value)} is not a safe unsigned integer`);
  }
  return number;
}

const term = (value: string | undefined, field = "term"): Term => toTerm(fromUint64(value, field));
const index = (value: string | undefined, field: string): LogIndex => toLogIndex(fromUint64(value, field));

function nodeId(value: string | undefined, field: string): NodeId {
  if (typeof value !== "string" || value.length === 0) throw invalid(`${field} is empty`);
  return value;
}

/** Bytes decoded by gRPC are Buffers (Uint8Array subclasses); we pass them on as views, never mutated. */
function bytes(value: Uint8Array | undefined): Uint8Array {
  return value ?? new Uint8Array();
}

interface WireEnvelope {
  readonly from?: string;
  readonly to?: string;
  readonly term?: string;
}

function envelope(message: WireEnvelope): { from: NodeId; to: NodeId; term: Term } {
  return { from: nodeId(message.from, "from"), to: nodeId(message.to, "to"), term: term(message.term) };
}

function entryToProto(entry: Entry): EntryProto {
  return {
    index: entry.index,
    term: entry.term,
    kind: entry.kind === "config" ? "ENTRY_KIND_CONFIG" : "ENTRY_KIND_NORMAL",
    data: entry.data,
  };
}

function entryFromProto(entry: Entry__Output): Entry {
  if (entry.kind !== "ENTRY_KIND_NORMAL" && entry.kind !== "ENTRY_KIND_CONFIG")
    throw invalid(`unknown entry kind ${entry.kind}`);
  return {
    index: index(entry.index, "entry index"),
    term: term(entry.term, "entry term"),
    kind: entry.kind === "ENTRY_KIND_CONFIG" ? "config" : "normal",
    data: bytes(entry.data),
  };
}

export function metaToProto(meta: SnapshotMeta): SnapshotMetaProto {
  return {
    index: meta.index,
    term: meta.term,
    configuration: {
      servers: meta.configuration.servers.map((server) => ({
        id: server.id,
        address: server.address,
        suffrage: server.suffrage === "voter" ? "SUFFRAGE_VOTER" : "SUFFRAGE_NONVOTER",
      })),
    },
  };
}

export function metaFromProto(meta: SnapshotMeta__Output | null | undefined): SnapshotMeta {
  if (!meta) throw invalid("snapshot metadata missing");
  const servers = (meta.configuration?.servers ?? []).map((server) => {
    if (server.suffrage !== "SUFFRAGE_VOTER" && server.suffrage !== "SUFFRAGE_NONVOTER") {
      throw invalid(`unknown suffrage ${server.suffrage}`);
    }
    return {
      id: nodeId(server.id, "server id"),
      address: server.address,
      suffrage: server.suffrage === "SUFFRAGE_VOTER" ? ("voter" as const) : ("nonvoter" as const),
    };
  });
  return {
    index: index(meta.index, "snapshot index"),
    term: term(meta.term, "snapshot term"),
    configuration: { servers },
  };
}

export function leaderMessageToProto(message: LeaderStreamMessage): LeaderMessage {
  const { from, to, term: messageTerm } = message;
  switch (message.type) {
    case "appendEntries":
      return {
        appendEntries: {
          from,
          to,
          term: messageTerm,
          prevLogIndex: message.prevLogIndex,
          prevLogTerm: message.prevLogTerm,
          entries: message.entries.map(entryToProto),
          commit: message.commit,
        },
      };
    case "heartbeat":
      return { heartbeat: { from, to, term: messageTerm, commit: message.commit, context: message.context } };
    case "readIndexResponse":
      return { readIndexResponse: { from, to, term: messageTerm, index: message.index, context: message.context } };
  }
}

function appendEntriesFromProto(message: AppendEntries__Output): AppendEntries {
  return {
    type: "appendEntries",
    ...envelope(message),
    prevLogIndex: index(message.prevLogIndex, "prevLogIndex"),
    prevLogTerm: term(message.prevLogTerm, "prevLogTerm"),
    entries: message.entries.map(entryFromProto),
    commit: index(message.commit, "commit"),
  };
}

export function leaderMessageFromProto(message: LeaderMessage__Output): LeaderStreamMessage {
  switch (message.message) {
    case "appendEntries":
      if (message.appendEntries) return appendEntriesFromProto(message.appendEntries);
      break;
    case "heartbeat":
      if (message.heartbeat) {
        const heartbeat = message.heartbeat;
        return {
          type: "heartbeat",
          ...envelope(heartbeat),
          commit: index(heartbeat.commit, "commit"),
          context: bytes(heartbeat.context),
        };
      }
      break;
    case "readIndexResponse":
      if (message.readIndexResponse) {
        const response = message.readIndexResponse;
        return {
          type: "readIndexResponse",
          ...envelope(response),
          index: index(response.index, "index"),
          context: bytes(response.context),
        };
      }
      break;
    case undefined:
      break;
  }
  throw invalid("empty leader message");
}

export function followerMessageToProto(message: FollowerStreamMessage): FollowerMessage {
  const { from, to, term: messageTerm } = message;
  switch (message.type) {
    case "appendEntriesResponse":
      return {
        appendEntriesResponse: {
          from,
          to,
          term: messageTerm,
          reject: message.reject,
          index: message.index,
          hintIndex: message.hintIndex,
          hintTerm: message.hintTerm,
        },
      };
    case "heartbeatResponse":
      return { heartbeatResponse: { from, to, term: messageTerm, context: message.context } };
    case "readIndex":
      return { readIndex: { from, to, term: messageTerm, context: message.context } };
  }
}

function appendEntriesResponseFromProto(message: AppendEntriesResponse__Output): AppendEntriesResponse {
  return {
    type: "appendEntriesResponse",
    ...envelope(message),
    reject: message.reject,
    index: index(message.index, "index"),
    hintIndex: index(message.hintIndex, "hintIndex"),
    hintTerm: term(message.hintTerm, "hintTerm"),
  };
}

export function followerMessageFromProto(message: FollowerMessage__Output): FollowerStreamMessage {
  switch (message.message) {
    case "appendEntriesResponse":
      if (message.appendEntriesResponse) return appendEntriesResponseFromProto(message.appendEntriesResponse);
      break;
    case "heartbeatResponse":
      if (message.heartbeatResponse) {
        return {
          type: "heartbeatResponse",
          ...envelope(message.heartbeatResponse),
          context: bytes(message.heartbeatResponse.context),
        };
      }
      break;
    case "readIndex":
      if (message.readIndex) {
        return { type: "readIndex", ...envelope(message.readIndex), context: bytes(message.readIndex.context) };
      }
      break;
    case undefined:
      break;
  }
  throw invalid("empty follower message");
}

export function requestVoteToProto(message: RequestVote): RequestVoteRequest {
  return {
    from: message.from,
    to: message.to,
    term: message.term,
    preVote: message.preVote,
    lastLogIndex: message.lastLogIndex,
    lastLogTerm: message.lastLogTerm,
    leadershipTransfer: message.leadershipTransfer,
  };
}

export function requestVoteFromProto(message: RequestVoteRequest__Output): RequestVote {
  return {
    type: "requestVote",
    ...envelope(message),
    preVote: message.preVote,
    lastLogIndex: index(message.lastLogIndex, "lastLogIndex"),
    lastLogTerm: term(message.lastLogTerm, "lastLogTerm"),
    leadershipTransfer: message.leadershipTransfer,
  };
}

export function voteResponseToProto(message: RequestVoteResponse): RequestVoteResponseProto {
  return { from: message.from, to: message.to, term: message.term, preVote: message.preVote, granted: message.granted };
}

export function voteResponseFromProto(message: RequestVoteResponse__Output): RequestVoteResponse {
  return { type: "requestVoteResponse", ...envelope(message), preVote: message.preVote, granted: message.granted };
}

export function timeoutNowToProto(message: TimeoutNow): TimeoutNowRequest {
  return { from: message.from, to: message.to, term: message.term };
}

export function timeoutNowFromProto(message: TimeoutNowRequest__Output): TimeoutNow {
  return { type: "timeoutNow", ...envelope(message) };
}

export function snapshotHeaderToProto(message: InstallSnapshot): InstallSnapshotHeader {
  return { from: message.from, to: message.to, term: message.term, meta: metaToProto(message.snapshot.meta) };
}

export interface SnapshotHeader {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
  readonly meta: SnapshotMeta;
}

export function snapshotHeaderFromProto(header: InstallSnapshotHeader__Output): SnapshotHeader {
  return { ...envelope(header), meta: metaFromProto(header.meta) };
}

/** Rough wire size of a leader message, for queue bounds (entries dominate). */
export function leaderMessageBytes(message: LeaderStreamMessage): number {
  if (message.type !== "appendEntries") return 64;
  let total = 96;
  for (const entry of message.entries) total += entry.data.byteLength + 24;
  return total;
}
