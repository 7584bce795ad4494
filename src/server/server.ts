/**
 * The composition root: config -> storage -> seal -> core -> listeners, and
 * graceful shutdown in reverse order. Nothing else in Coffer constructs these
 * pieces; every dependency is passed down from here.
 */
import { AesGcmBarrier } from "../barrier/index.js";
import { type ExtraService, forwardingService, RaftStorage } from "../cluster/index.js";
import type { ListenerConfig, ServerConfig } from "../config/index.js";
import { Core } from "../core/index.js";
import {
  createForwardedHandler,
  createHttpHandler,
  type Forwarder,
  HttpListener,
  NotActiveError,
} from "../http/index.js";
import { CofferError, systemClock } from "../lib/index.js";
import type { Logger } from "../logical/index.js";
import { CofferMetrics } from "../metrics/index.js";
import type { Backend } from "../physical/index.js";
import { type Seal, ShamirSeal } from "../seal/index.js";
import { RaftClusterControl } from "./cluster-control.js";
import { ClusterForwarder } from "./forwarder.js";
import { joinTargetOf, leaderApiClient } from "./leader-client.js";
import { builtinRegistry } from "./registry.js";
import { openStorage, type RaftBinding } from "./storage.js";
import { buildDate, coreVersion } from "./version.js";

export interface ServerOptions {
  readonly config: ServerConfig;
  readonly logger: Logger;
  /** Collect Node process metrics (off in tests that build many servers in one process). */
  readonly processMetrics?: boolean;
}

export class CofferServer {
  readonly core: Core;
  readonly listeners: readonly HttpListener[];
  readonly #storage: Backend;
  readonly #logger: Logger;
  #closing: Promise<void> | undefined;

  private constructor(parts: { core: Core; listeners: HttpListener[]; storage: Backend; logger: Logger }) {
    this.core = parts.core;
    this.listeners = parts.listeners;
    this.#storage = parts.storage;
    this.#logger = parts.logger;
  }

  static async start(options: ServerOptions): Promise<CofferServer> {
    const { config, logger } = options;
    for (const warning of config.warnings) logger.warn({}, warning);
    const storage = await openStorage(config.storage, raftBinding(config));
    try {
      const barrier = new AesGcmBarrier({ backend: storage, clock: systemClock });
      const seal = createSeal(config, barrier);
      const metrics = new CofferMetrics({ collectProcessMetrics: options.processMetrics ?? true });
      // The cluster port serves request forwarding through the same handler as the listener; it is bound late.
      let forwardedServices: () => readonly ExtraService[] = () => [];
      const cluster =
        storage instanceof RaftStorage
          ? new RaftClusterControl(storage, raftBinding(config)?.advertiseAddress ?? "", () => forwardedServices())
          : undefined;
      if (storage instanceof RaftStorage) {
        storage.on((event) => {
          if (event.type === "failed") logger.error({ err: event.error }, "raft stopped after a failure");
          else if (event.type === "warning") logger.warn({ err: event.error }, "raft warning");
          else if (event.type === "leadership")
            logger.info({ role: event.role, leader: event.leader, term: event.term }, "raft leadership changed");
        });
      }
      const core = new Core({
        barrier,
        seal,
        registry: builtinRegistry(),
        metrics,
        logger,
        clock: systemClock,
        settings: {
          defaultLeaseTtlSeconds: config.defaultLeaseTtlSeconds,
          maxLeaseTtlSeconds: config.maxLeaseTtlSeconds,
          apiAddr: config.apiAddr,
          clusterAddr: config.clusterAddr,
          storageType: config.storage.type,
          version: coreVersion,
          buildDate,
          prometheusRetentionSeconds: config.telemetry.prometheusRetentionSeconds,
          ...(config.storage.type === "raft"
            ? { autopilotReconcileIntervalMs: config.storage.autopilotReconcileIntervalMs }
            : {}),
        },
        ...(cluster ? { cluster, leaderApiClient } : {}),
      });
      const forwarder = cluster ? new ClusterForwarder(cluster) : undefined;
      const listeners = config.listeners.map((listener) => createListener(listener, core, metrics, logger, forwarder));
      const firstListener = config.listeners[0];
      if (firstListener) {
        const handleForwarded = createForwardedHandler({
          core,
          logger,
          metrics,
          maxRequestBytes: firstListener.maxRequestSizeBytes,
          unauthenticatedMetricsAccess: firstListener.telemetry.unauthenticatedMetricsAccess,
        });
        const service = forwardingService({
          handle: handleForwarded,
          isNotActive: (error) => error instanceof NotActiveError,
        });
        forwardedServices = () => [service];
      }
      const server = new CofferServer({ core, listeners, storage, logger });
      try {
        for (const listener of listeners) {
          const address = await listener.listen();
          logger.info({ address: `${address.address}:${address.port}`, tls: listener.isTls }, "listening");
        }
      } catch (error) {
        await server.close();
        throw error;
      }
      if (cluster && config.storage.type === "raft" && config.storage.retryJoin.length > 0 && !cluster.hasState()) {
        core.startRetryJoin(config.storage.retryJoin.map(joinTargetOf));
      }
      return server;
    } catch (error) {
      await storage.close();
      throw error;
    }
  }

  /** Stops accepting requests, lets in-flight ones finish, seals, closes storage. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all(this.listeners.map((listener) => listener.close()));
      await this.core
        .shutdown()
        .catch((error: unknown) => this.#logger.warn({ err: error }, "seal on shutdown failed"));
      await this.#storage.close();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function createSeal(config: ServerConfig, barrier: AesGcmBarrier): Seal {
  switch (config.seal.type) {
    case "shamir":
      return new ShamirSeal({ barrier });
    case "awskms":
    case "transit":
      throw new CofferError("invalid_request", `seal "${config.seal.type}" is not available in this build yet`);
  }
}

/** Raft storage: the cluster port's bind address (the first listener's cluster_address) and cluster_addr's host:port. */
function raftBinding(config: ServerConfig): RaftBinding | undefined {
  const listener = config.listeners[0];
  if (config.storage.type !== "raft" || !listener) return undefined;
  const url = new URL(config.clusterAddr);
  return { listenAddress: listener.clusterAddress, advertiseAddress: `${url.hostname}:${url.port || "444"}` };
}

function createListener(
  config: ListenerConfig,
  core: Core,
  metrics: CofferMetrics,
  logger: Logger,
  forwarder: Forwarder | undefined,
): HttpListener {
  const tls =
    config.tlsDisable || !config.tlsCertFile || !config.tlsKeyFile
      ? undefined
      : {
          certFile: config.tlsCertFile,
          keyFile: config.tlsKeyFile,
          ...(config.tlsClientCaFile ? { clientCaFile: config.tlsClientCaFile } : {}),
          minVersion: tlsVersion(config.tlsMinVersion),
          requireClientCert: config.tlsRequireAndVerifyClientCert,
        };
  const handler = createHttpHandler({
    core,
    logger,
    metrics,
    maxRequestBytes: config.maxRequestSizeBytes,
    unauthenticatedMetricsAccess: config.telemetry.unauthenticatedMetricsAccess,
    tls: tls !== undefined,
    ...(forwarder ? { forwarder } : {}),
  });
  return new HttpListener(
    {
      address: config.address,
      ...(tls ? { tls } : {}),
      ...(config.maxRequestDurationMs > 0 ? { requestTimeoutMs: config.maxRequestDurationMs } : {}),
      ...(config.httpReadHeaderTimeoutMs > 0 ? { headersTimeoutMs: config.httpReadHeaderTimeoutMs } : {}),
    },
    handler,
  );
}

function tlsVersion(version: ListenerConfig["tlsMinVersion"]): "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3" {
  switch (version) {
    case "tls10":
      return "TLSv1";
    case "tls11":
      return "TLSv1.1";
    case "tls12":
      return "TLSv1.2";
    case "tls13":
      return "TLSv1.3";
  }
}
