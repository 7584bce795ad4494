/**
 * The Raft transport over gRPC (proto/raft.proto), TLS-capable: the caller
 * passes server and channel credentials (insecure in tests, TLS or mTLS on
 * the cluster port).
 *
 * Routing (codec.ts `routeOf`): a leader's messages go down its outbound
 * AppendEntries stream to the follower; the follower's answers go back up
 * the inbound stream that leader opened (dropped if there is none: the leader
 * will ask again). A vote request is a unary call whose reply carries the
 * voter's answer: the server side parks the call until the local core emits
 * its `requestVoteResponse` (or a deadline passes). TimeoutNow is a unary
 * call; snapshots are client streams.
 */
import * as grpc from "@grpc/grpc-js";
import type { FollowerMessage } from "../../gen/raft/coffer/raft/v1/FollowerMessage.js";
import type { InstallSnapshotChunk__Output } from "../../gen/raft/coffer/raft/v1/InstallSnapshotChunk.js";
import type { LeaderMessage__Output } from "../../gen/raft/coffer/raft/v1/LeaderMessage.js";
import type { RequestVoteReply } from "../../gen/raft/coffer/raft/v1/RequestVoteReply.js";
import { assert, CofferError, limits } from "../../lib/index.js";
import type { InstallSnapshot, Message, NodeId, RequestVoteResponse } from "../../raft/index.js";
import {
  followerMessageToProto,
  leaderMessageFromProto,
  requestVoteFromProto,
  snapshotHeaderFromProto,
  timeoutNowFromProto,
  voteResponseToProto,
} from "./codec.js";
import { PeerLink } from "./grpc-peer.js";
import { type RaftHandlers, RaftService } from "./grpc-service.js";
import type { Peer, SnapshotSendOutcome, Transport, TransportHandler, TransportStats } from "./transport.js";

export interface GrpcTransportOptions {
  readonly id: NodeId;
  /** "host:port" to listen on; port 0 picks a free one (see `address()`). */
  readonly listenAddress: string;
  readonly serverCredentials: grpc.ServerCredentials;
  readonly channelCredentials: grpc.ChannelCredentials;
  /** TLS name to verify on peers' certificates (needed when peers are addressed by IP). */
  readonly tlsServerName?: string;
  /** Largest gRPC message either way; must hold one AppendEntries of the core's `messageBytesMax` plus one entry. */
  readonly messageBytesMax?: number;
  readonly queueMessagesMax?: number;
  readonly queueBytesMax?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  /** How long a voter waits for its core's answer, and a candidate for the reply. */
  readonly callTimeoutMs?: number;
  readonly snapshotTimeoutMs?: number;
  /** Other services served on the same port (request forwarding on the cluster port). */
  readonly extraServices?: readonly ExtraService[];
}

export interface ExtraService {
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: grpc.UntypedServiceImplementation;
}

const defaults = {
  messageBytesMax: 2 * limits.raftEntryBytesMax + 16 * 1024 * 1024,
  queueMessagesMax: 1024,
  queueBytesMax: 64 * 1024 * 1024,
  backoffInitialMs: 50,
  backoffMaxMs: 2_000,
  callTimeoutMs: 2_000,
  snapshotTimeoutMs: 10 * 60_000,
};

interface ParkedVote {
  readonly reply: (answer: RequestVoteReply) => void;
  readonly timer: NodeJS.Timeout;
}

type InboundStream = grpc.ServerDuplexStream<LeaderMessage__Output, FollowerMessage>;

export class GrpcTransport implements Transport {
  readonly id: NodeId;
  readonly #options: GrpcTransportOptions & typeof defaults;
  readonly #server: grpc.Server;
  readonly #links = new Map<NodeId, PeerLink>();
  /** The latest AppendEntries stream each leader opened to us. */
  readonly #inbound = new Map<NodeId, InboundStream>();
  /** Vote calls waiting for our core's answer, by candidate and kind. */
  readonly #parkedVotes = new Map<string, ParkedVote>();
  #handler: TransportHandler | undefined;
  #address = "";
  #sent = 0;
  #received = 0;
  #dropped = 0;
  #closing: Promise<void> | undefined;

  constructor(options: GrpcTransportOptions) {
    this.id = options.id;
    this.#options = { ...defaults, ...options };
    this.#server = new grpc.Server({
      "grpc.max_receive_message_length": this.#options.messageBytesMax,
      "grpc.max_send_message_length": this.#options.messageBytesMax,
    });
  }

  async start(handler: TransportHandler): Promise<void> {
    assert(this.#handler === undefined, "transport started twice");
    this.#handler = handler;
    this.#server.addService(RaftService.service, this.#handlers());
    for (const extra of this.#options.extraServices ?? [])
      this.#server.addService(extra.definition, extra.implementation);
    const port = await new Promise<number>((resolve, reject) => {
      this.#server.bindAsync(this.#options.listenAddress, this.#options.serverCredentials, (error, bound) =>
        error
          ? reject(new CofferError("unavailable", `cannot listen on ${this.#options.listenAddress}`, { cause: error }))
          : resolve(bound),
      );
    });
    const host = this.#options.listenAddress.slice(0, this.#options.listenAddress.lastIndexOf(":"));
    this.#address = `${host}:${port}`;
  }

  address(): string {
    return this.#address;
  }

  setPeers(peers: readonly Peer[]): void {
    const wanted = new Map(peers.filter((peer) => peer.id !== this.id).map((peer) => [peer.id, peer.address]));
    for (const [id, link] of this.#links) {
      if (wanted.get(id) !== link.address) {
        link.close();
        this.#links.delete(id);
      }
    }
    for (const [id, address] of wanted) {
      if (!this.#links.has(id)) this.#links.set(id, this.#newLink(address));
    }
  }

  send(message: Message): void {
    if (this.#closing) return;
    switch (message.type) {
      case "appendEntries":
      case "heartbeat":
      case "readIndexResponse":
        this.#withLink(message, (link) => link.sendOnStream(message));
        return;
      case "requestVote":
        this.#withLink(message, (link) => link.requestVote(message));
        return;
      case "timeoutNow":
        this.#withLink(message, (link) => link.timeoutNow(message));
        return;
      case "appendEntriesResponse":
      case "heartbeatResponse":
      case "readIndex":
        this.#sendUpstream(message.to, followerMessageToProto(message));
        return;
      case "requestVoteResponse":
        this.#answerVote(message);
        return;
      case "installSnapshot":
        // A snapshot needs its data stream: the driver calls sendSnapshot instead.
        this.#dropped += 1;
        return;
    }
  }

  async sendSnapshot(message: InstallSnapshot, chunks: AsyncIterable<Uint8Array>): Promise<SnapshotSendOutcome> {
    const link = this.#closing ? undefined : this.#links.get(message.to);
    if (!link) return "failed";
    return link.sendSnapshot(message, chunks);
  }

  stats(): TransportStats {
    let queued = 0;
    for (const link of this.#links.values()) queued += link.queued;
    return { sent: this.#sent, received: this.#received, dropped: this.#dropped, queued };
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #shutdown(): Promise<void> {
    for (const link of this.#links.values()) link.close();
    this.#links.clear();
    for (const parked of this.#parkedVotes.values()) {
      clearTimeout(parked.timer);
      parked.reply({});
    }
    this.#parkedVotes.clear();
    for (const stream of this.#inbound.values()) stream.end();
    this.#inbound.clear();
    await new Promise<void>((resolve) => {
      // Streams in flight would keep a graceful shutdown waiting forever: force after a grace period.
      const force = setTimeout(() => this.#server.forceShutdown(), 1_000);
      this.#server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  #newLink(address: string): PeerLink {
    const serverName = this.#options.tlsServerName;
    return new PeerLink({
      address,
      credentials: this.#options.channelCredentials,
      channelOptions: {
        "grpc.max_receive_message_length": this.#options.messageBytesMax,
        "grpc.max_send_message_length": this.#options.messageBytesMax,
        "grpc.initial_reconnect_backoff_ms": this.#options.backoffInitialMs,
        "grpc.max_reconnect_backoff_ms": this.#options.backoffMaxMs,
        "grpc.keepalive_time_ms": 10_000,
        "grpc.keepalive_timeout_ms": 5_000,
        ...(serverName ? { "grpc.ssl_target_name_override": serverName, "grpc.default_authority": serverName } : {}),
      },
      queueMessagesMax: this.#options.queueMessagesMax,
      queueBytesMax: this.#options.queueBytesMax,
      backoffInitialMs: this.#options.backoffInitialMs,
      backoffMaxMs: this.#options.backoffMaxMs,
      callTimeoutMs: this.#options.callTimeoutMs,
      snapshotTimeoutMs: this.#options.snapshotTimeoutMs,
      callsInFlightMax: 16,
      deliver: (message) => this.#deliver(message),
      countDropped: (count) => {
        this.#dropped += count;
      },
      countSent: () => {
        this.#sent += 1;
      },
    });
  }

  #withLink(message: Message, use: (link: PeerLink) => void): void {
    const link = this.#links.get(message.to);
    if (link) use(link);
    else this.#dropped += 1;
  }

  #sendUpstream(to: NodeId, proto: FollowerMessage): void {
    const stream = this.#inbound.get(to);
    if (!stream || stream.writableLength >= this.#options.queueMessagesMax) {
      this.#dropped += 1;
      return;
    }
    this.#sent += 1;
    stream.write(proto);
  }

  #answerVote(message: RequestVoteResponse): void {
    const key = voteKey(message.to, message.preVote);
    const parked = this.#parkedVotes.get(key);
    if (!parked) {
      this.#dropped += 1;
      return;
    }
    this.#parkedVotes.delete(key);
    clearTimeout(parked.timer);
    this.#sent += 1;
    parked.reply({ response: voteResponseToProto(message) });
  }

  #deliver(message: Message): void {
    if (this.#closing || !this.#handler) return;
    if (message.to !== this.id) {
      this.#dropped += 1;
      return;
    }
    this.#received += 1;
    this.#handler.onMessage(message);
  }

  /** Decodes with `decode`; a malformed or misaddressed message is dropped, never delivered in part. */
  #receive(decode: () => Message): Message | undefined {
    try {
      const message = decode();
      if (message.to === this.id) return message;
    } catch {
      // fall through: counted as dropped
    }
    this.#dropped += 1;
    return undefined;
  }

  #handlers(): RaftHandlers {
    return {
      AppendEntries: (stream) => this.#onLeaderStream(stream),
      RequestVote: (call, callback) => {
        const message = this.#receive(() => requestVoteFromProto(call.request));
        if (message?.type !== "requestVote") {
          callback(null, {});
          return;
        }
        const key = voteKey(message.from, message.preVote);
        const previous = this.#parkedVotes.get(key);
        if (previous) {
          clearTimeout(previous.timer);
          previous.reply({});
        }
        const timer = setTimeout(() => {
          if (this.#parkedVotes.get(key)?.timer === timer) this.#parkedVotes.delete(key);
          callback(null, {});
        }, this.#options.callTimeoutMs);
        this.#parkedVotes.set(key, { reply: (answer) => callback(null, answer), timer });
        this.#deliver(message);
      },
      TimeoutNow: (call, callback) => {
        const message = this.#receive(() => timeoutNowFromProto(call.request));
        if (message) this.#deliver(message);
        callback(null, {});
      },
      InstallSnapshot: (call, callback) => {
        this.#onSnapshotStream(call).then(
          () => callback(null, {}),
          (error: unknown) =>
            callback({
              code: grpc.status.ABORTED,
              details: error instanceof Error ? error.message : "snapshot refused",
            }),
        );
      },
    };
  }

  #onLeaderStream(stream: InboundStream): void {
    let leader: NodeId | undefined;
    stream.on("data", (proto: LeaderMessage__Output) => {
      const message = this.#receive(() => leaderMessageFromProto(proto));
      if (!message) return;
      if (leader !== message.from) {
        leader = message.from;
        this.#inbound.set(leader, stream);
      }
      this.#deliver(message);
    });
    const finished = (): void => {
      if (leader !== undefined && this.#inbound.get(leader) === stream) this.#inbound.delete(leader);
    };
    stream.on("end", () => {
      finished();
      stream.end();
    });
    stream.on("error", finished);
    stream.on("close", finished);
  }

  async #onSnapshotStream(call: grpc.ServerReadableStream<InstallSnapshotChunk__Output, unknown>): Promise<void> {
    const handler = this.#handler;
    if (!handler || this.#closing) throw new CofferError("unavailable", "transport is closing");
    const iterator = call[Symbol.asyncIterator]() as AsyncIterator<InstallSnapshotChunk__Output>;
    const first = await iterator.next();
    const header = first.done ? undefined : first.value.header;
    if (!header) throw new CofferError("invalid_request", "snapshot stream must start with a header");
    const decoded = snapshotHeaderFromProto(header);
    if (decoded.to !== this.id) throw new CofferError("invalid_request", `snapshot addressed to ${decoded.to}`);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (next.value.part !== "data" || !next.value.data) throw new CofferError("invalid_request", "a second header");
        yield next.value.data;
      }
    }
    this.#received += 1;
    await handler.onSnapshot({ ...decoded, chunks: chunks() });
  }
}

function voteKey(candidate: NodeId, preVote: boolean): string {
  return `${preVote ? "pre" : "vote"}\u0000${candidate}`;
}
