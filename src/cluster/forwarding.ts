/**
 * Request forwarding on the cluster port (proto/forwarding.proto). The
 * server side wraps a handler (the active's HTTP handler over a buffer sink)
 * as a gRPC service hosted beside the Raft service; the client side is what
 * a standby uses to reach the active, over the same mutual TLS.
 *
 * A refusal of a node that is not active (it did not run the request) comes
 * back as FAILED_PRECONDITION, so the standby may safely try the new active.
 * Any other failure may have happened after the request ran and is not retried.
 */
import * as grpc from "@grpc/grpc-js";
import { fromJSON } from "@grpc/proto-loader";
import type { ForwardingClient as GrpcForwardingClient } from "../gen/forwarding/coffer/forwarding/v1/Forwarding.js";
import type { ForwardRequest__Output } from "../gen/forwarding/coffer/forwarding/v1/ForwardRequest.js";
import type { ForwardResponse__Output } from "../gen/forwarding/coffer/forwarding/v1/ForwardResponse.js";
import type { ProtoGrpcType } from "../gen/forwarding/forwarding.js";
import { forwardingDescriptor } from "../gen/forwarding-descriptor.js";
import { CofferError } from "../lib/index.js";
import { type ClusterTlsPem, clusterChannelCredentials, clusterChannelOptions } from "./tls/cluster-tls.js";
import type { ExtraService } from "./transport/grpc-transport.js";

const loaded = grpc.loadPackageDefinition(
  fromJSON(forwardingDescriptor, { longs: String, enums: String, defaults: true, oneofs: true }),
) as unknown as ProtoGrpcType;
const ForwardingService = loaded.coffer.forwarding.v1.Forwarding;

/** Largest forwarded request or answer (the API's request limit plus headroom). */
const messageBytesMax = 64 * 1024 * 1024;
/** A forwarded request may run as long as a direct one (Vault: 90 s max request duration). */
const forwardedCallTimeoutMs = 120_000;

export interface ForwardCall {
  readonly method: string;
  readonly url: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Uint8Array;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly tls: boolean;
}

export interface ForwardAnswer {
  readonly statusCode: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Uint8Array;
}

/** The refusal of a node that is not the active one: the request did not run. */
export class ForwardRefusedError extends CofferError {
  constructor(message: string) {
    super("unavailable", message);
  }
}

export interface ForwardingServiceOptions {
  readonly handle: (call: ForwardCall) => Promise<ForwardAnswer>;
  /** Whether a rejection of `handle` means "not active, did not run" (FAILED_PRECONDITION). */
  readonly isNotActive: (error: unknown) => boolean;
}

export function forwardingService(options: ForwardingServiceOptions): ExtraService {
  const implementation: grpc.UntypedServiceImplementation = {
    Forward: (call: grpc.ServerUnaryCall<ForwardRequest__Output, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const request = call.request;
      options
        .handle({
          method: request.method,
          url: request.url,
          headers: request.headers.map((header) => [header.name, header.value] as const),
          body: request.body,
          remoteAddress: request.remoteAddress,
          remotePort: request.remotePort,
          tls: request.tls,
        })
        .then(
          (answer) =>
            callback(null, {
              status: answer.statusCode,
              headers: answer.headers.map(([name, value]) => ({ name, value })),
              body: Buffer.from(answer.body),
            }),
          (error: unknown) =>
            callback({
              code: options.isNotActive(error) ? grpc.status.FAILED_PRECONDITION : grpc.status.INTERNAL,
              details: error instanceof Error ? error.message : "forwarding failed",
            }),
        );
    },
  };
  return { definition: ForwardingService.service, implementation };
}

/** A standby's connections to the active's cluster port, one channel per address. */
export class ForwardingClient {
  readonly #credentials: grpc.ChannelCredentials;
  readonly #clients = new Map<string, GrpcForwardingClient>();

  constructor(tls: ClusterTlsPem) {
    this.#credentials = clusterChannelCredentials(tls);
  }

  /**
   * Sends `call` to the node at `address` (host:port). Connection failures
   * before sending, and refusals, reject with ForwardRefusedError (safe to
   * retry elsewhere); other failures with a plain 503 error.
   */
  async forward(address: string, call: ForwardCall, connectDeadlineMs: number): Promise<ForwardAnswer> {
    const client = this.#client(address);
    try {
      await new Promise<void>((resolve, reject) =>
        client.waitForReady(connectDeadlineMs, (error) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      throw new ForwardRefusedError(`cannot reach the active node at ${address}: ${(error as Error).message}`);
    }
    return new Promise<ForwardAnswer>((resolve, reject) => {
      client.Forward(
        {
          method: call.method,
          url: call.url,
          headers: call.headers.map(([name, value]) => ({ name, value })),
          body: Buffer.from(call.body),
          remoteAddress: call.remoteAddress,
          remotePort: call.remotePort,
          tls: call.tls,
        },
        { deadline: Date.now() + forwardedCallTimeoutMs },
        (error: grpc.ServiceError | null, answer?: ForwardResponse__Output) => {
          if (error || !answer) {
            reject(
              error?.code === grpc.status.FAILED_PRECONDITION
                ? new ForwardRefusedError(error.details)
                : new CofferError("unavailable", `request forwarding failed: ${error?.details ?? "no answer"}`, {
                    cause: error,
                  }),
            );
            return;
          }
          resolve({
            statusCode: answer.status,
            headers: answer.headers.map((header) => [header.name, header.value] as const),
            body: answer.body,
          });
        },
      );
    });
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  #client(address: string): GrpcForwardingClient {
    let client = this.#clients.get(address);
    if (!client) {
      client = new ForwardingService(address, this.#credentials, {
        ...clusterChannelOptions,
        "grpc.max_receive_message_length": messageBytesMax,
        "grpc.max_send_message_length": messageBytesMax,
        "grpc.initial_reconnect_backoff_ms": 100,
        "grpc.max_reconnect_backoff_ms": 1_000,
      }) as unknown as GrpcForwardingClient;
      this.#clients.set(address, client);
    }
    return client;
  }
}
