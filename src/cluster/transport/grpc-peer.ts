/**
 * The outbound side of the gRPC transport towards one peer: the leader's
 * AppendEntries stream (with a bounded queue), vote and timeout-now calls,
 * and snapshot streams.
 *
 * Memory stays bounded whatever the peer does: the queue holds at most
 * `queueMessagesMax` messages and `queueBytesMax` bytes (a message that does
 * not fit is dropped, and Raft resends after its next probe); when the
 * stream fails the queue is dropped and the link waits out an exponential
 * backoff, during which messages are dropped at once.
 */
import type * as grpc from "@grpc/grpc-js";
import type { FollowerMessage__Output } from "../../gen/raft/coffer/raft/v1/FollowerMessage.js";
import type { LeaderMessage } from "../../gen/raft/coffer/raft/v1/LeaderMessage.js";
import type { InstallSnapshot, Message, RequestVote, TimeoutNow } from "../../raft/index.js";
import {
  followerMessageFromProto,
  type LeaderStreamMessage,
  leaderMessageBytes,
  leaderMessageToProto,
  requestVoteToProto,
  snapshotHeaderToProto,
  timeoutNowToProto,
  voteResponseFromProto,
} from "./codec.js";
import { type RaftClient, RaftService } from "./grpc-service.js";
import type { SnapshotSendOutcome } from "./transport.js";

export interface PeerLinkOptions {
  readonly address: string;
  readonly credentials: grpc.ChannelCredentials;
  readonly channelOptions: grpc.ChannelOptions;
  readonly queueMessagesMax: number;
  readonly queueBytesMax: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Deadline of a vote or timeout-now call. */
  readonly callTimeoutMs: number;
  /** Deadline of a whole snapshot transfer. */
  readonly snapshotTimeoutMs: number;
  /** Unary calls in flight before more are dropped. */
  readonly callsInFlightMax: number;
  readonly deliver: (message: Message) => void;
  readonly countDropped: (count: number) => void;
  readonly countSent: () => void;
}

interface Queued {
  readonly proto: LeaderMessage;
  readonly bytes: number;
}

export class PeerLink {
  readonly #options: PeerLinkOptions;
  readonly #client: RaftClient;
  #stream: grpc.ClientDuplexStream<LeaderMessage, FollowerMessage__Output> | undefined;
  #queue: Queued[] = [];
  #queuedBytes = 0;
  #waitingForDrain = false;
  #backoffMs = 0;
  #retryAtMs = 0;
  #callsInFlight = 0;
  #closed = false;

  constructor(options: PeerLinkOptions) {
    this.#options = options;
    this.#client = new RaftService(options.address, options.credentials, options.channelOptions);
  }

  get address(): string {
    return this.#options.address;
  }

  /** Messages waiting for the stream (bounded by queueMessagesMax). */
  get queued(): number {
    return this.#queue.length;
  }

  sendOnStream(message: LeaderStreamMessage): void {
    const bytes = leaderMessageBytes(message);
    const full =
      this.#queue.length >= this.#options.queueMessagesMax ||
      (this.#queue.length > 0 && this.#queuedBytes + bytes > this.#options.queueBytesMax);
    if (this.#closed || Date.now() < this.#retryAtMs || full) {
      this.#options.countDropped(1);
      return;
    }
    this.#queue.push({ proto: leaderMessageToProto(message), bytes });
    this.#queuedBytes += bytes;
    this.#pump();
  }

  requestVote(message: RequestVote): void {
    if (!this.#startCall()) return;
    this.#client.requestVote(requestVoteToProto(message), { deadline: this.#deadline() }, (error, reply) => {
      this.#callsInFlight -= 1;
      if (error || !reply?.response || this.#closed) return;
      this.#deliverSafely(() => voteResponseFromProto(reply.response as NonNullable<typeof reply.response>));
    });
  }

  timeoutNow(message: TimeoutNow): void {
    if (!this.#startCall()) return;
    this.#client.timeoutNow(timeoutNowToProto(message), { deadline: this.#deadline() }, () => {
      this.#callsInFlight -= 1;
    });
  }

  async sendSnapshot(message: InstallSnapshot, chunks: AsyncIterable<Uint8Array>): Promise<SnapshotSendOutcome> {
    if (this.#closed) return "failed";
    let finish: (outcome: SnapshotSendOutcome) => void = () => undefined;
    const outcome = new Promise<SnapshotSendOutcome>((resolve) => {
      finish = resolve;
    });
    const call = this.#client.installSnapshot({ deadline: Date.now() + this.#options.snapshotTimeoutMs }, (error) =>
      finish(error ? "failed" : "finished"),
    );
    try {
      await writeWithBackpressure(call, { header: snapshotHeaderToProto(message) });
      for await (const chunk of chunks) {
        if (this.#closed) throw new Error("transport closed");
        await writeWithBackpressure(call, { data: chunk });
      }
      call.end();
    } catch {
      call.cancel();
      finish("failed");
    }
    return outcome;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropQueue();
    this.#stream?.cancel();
    this.#stream = undefined;
    this.#client.close();
  }

  #pump(): void {
    if (this.#waitingForDrain || this.#closed) return;
    const stream = this.#stream ?? this.#openStream();
    for (let item = this.#queue.shift(); item !== undefined; item = this.#queue.shift()) {
      this.#queuedBytes -= item.bytes;
      this.#options.countSent();
      if (!stream.write(item.proto)) {
        this.#waitingForDrain = true;
        stream.once("drain", () => {
          this.#waitingForDrain = false;
          if (this.#stream === stream) this.#pump();
        });
        return;
      }
    }
  }

  #openStream(): grpc.ClientDuplexStream<LeaderMessage, FollowerMessage__Output> {
    const stream = this.#client.appendEntries();
    this.#stream = stream;
    stream.on("data", (message: FollowerMessage__Output) => {
      this.#backoffMs = 0;
      this.#deliverSafely(() => followerMessageFromProto(message));
    });
    const failed = (): void => {
      if (this.#stream !== stream) return;
      this.#stream = undefined;
      this.#waitingForDrain = false;
      this.#dropQueue();
      this.#backoffMs = Math.min(
        this.#options.backoffMaxMs,
        Math.max(this.#options.backoffInitialMs, this.#backoffMs * 2),
      );
      // Jitter so the peers of a restarted server do not reconnect in lockstep.
      this.#retryAtMs = Date.now() + this.#backoffMs * (0.5 + Math.random() / 2);
    };
    stream.on("error", failed);
    stream.on("end", failed);
    stream.on("close", failed);
    return stream;
  }

  #dropQueue(): void {
    if (this.#queue.length > 0) this.#options.countDropped(this.#queue.length);
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  #startCall(): boolean {
    if (this.#closed || this.#callsInFlight >= this.#options.callsInFlightMax) {
      this.#options.countDropped(1);
      return false;
    }
    this.#callsInFlight += 1;
    this.#options.countSent();
    return true;
  }

  #deadline(): number {
    return Date.now() + this.#options.callTimeoutMs;
  }

  #deliverSafely(decode: () => Message): void {
    let message: Message;
    try {
      message = decode();
    } catch {
      // A malformed message from a peer is dropped, never delivered in part.
      this.#options.countDropped(1);
      return;
    }
    this.#options.deliver(message);
  }
}

/** Writes one message, waiting for 'drain' when the stream's buffer is full. */
export async function writeWithBackpressure<T>(stream: grpc.ClientWritableStream<T>, message: T): Promise<void> {
  if (stream.write(message)) return;
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.off("drain", onDrain);
      stream.off("error", onError);
      stream.off("close", onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error("stream closed"));
    };
    stream.on("drain", onDrain);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}
