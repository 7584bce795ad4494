/**
 * One `listener "tcp"` stanza -> a TCP (or TLS) server whose connections are
 * handed, through the LIST rewriter (connection.ts), to a node:http server.
 * Header and request timeouts bound slow clients; the body limit is enforced
 * while reading (body.ts). `close()` stops accepting, lets in-flight requests
 * finish for a grace period, then cuts what is left.
 */
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { createServer as createTlsServer, type SecureVersion } from "node:tls";
import { limits } from "../lib/index.js";
import { RewritingSocket } from "./connection.js";
import type { HttpHandler } from "./handler.js";

export interface ListenerTlsOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile?: string;
  readonly minVersion?: SecureVersion;
  /** Ask for (and verify) client certificates when a client CA is given. */
  readonly requireClientCert?: boolean;
}

export interface ListenerOptions {
  /** `host:port`; port 0 picks a free one (tests). */
  readonly address: string;
  readonly tls?: ListenerTlsOptions;
  readonly requestTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
}

export function splitHostPort(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address.trim());
  if (!match) throw new Error(`invalid listener address "${address}": expected host:port`);
  return { host: match[1] === "" ? "0.0.0.0" : (match[1] as string), port: Number(match[2]) };
}

export class HttpListener {
  /** Accepts sockets (TCP or TLS) and hands them to #http. */
  readonly #server: NetServer;
  readonly #http: HttpServer;
  readonly #options: ListenerOptions;
  #closing: Promise<void> | undefined;

  constructor(options: ListenerOptions, handler: HttpHandler) {
    this.#options = options;
    this.#http = createHttpServer({ connectionsCheckingInterval: 1_000 }, handler);
    this.#http.requestTimeout = options.requestTimeoutMs ?? limits.requestTimeoutMs;
    this.#http.headersTimeout = Math.min(
      options.headersTimeoutMs ?? limits.requestHeadersTimeoutMs,
      this.#http.requestTimeout,
    );
    this.#http.keepAliveTimeout = 5_000;
    // node:http starts its connection tracking (which enforces headersTimeout
    // and requestTimeout, and backs closeIdleConnections) on 'listening'. This
    // server never listens itself, it is fed sockets, so start it explicitly.
    this.#http.emit("listening");
    const tls = options.tls;
    if (tls) {
      this.#server = createTlsServer({
        cert: readFileSync(tls.certFile),
        key: readFileSync(tls.keyFile),
        ...(tls.clientCaFile
          ? {
              ca: readFileSync(tls.clientCaFile),
              requestCert: true,
              rejectUnauthorized: tls.requireClientCert ?? false,
            }
          : {}),
        minVersion: tls.minVersion ?? "TLSv1.2",
        ALPNProtocols: ["http/1.1"],
      });
      this.#server.on("secureConnection", (socket) => this.#accept(socket));
      // A failed handshake concerns one client only.
      this.#server.on("tlsClientError", (_error, socket) => socket.destroy());
    } else {
      this.#server = createNetServer((socket) => this.#accept(socket));
    }
  }

  /**
   * Hands an accepted socket to the HTTP server through the LIST rewriter.
   * No Nagle: node:http turns it off on sockets it accepts itself, but not on
   * an injected stream, and a response written in two pieces would then wait
   * for the client's delayed ACK (~40 ms) on every keep-alive request.
   */
  #accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.#http.emit("connection", new RewritingSocket(socket));
  }

  get isTls(): boolean {
    return this.#options.tls !== undefined;
  }

  async listen(): Promise<AddressInfo> {
    const { host, port } = splitHostPort(this.#options.address);
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    return this.#server.address() as AddressInfo;
  }

  /** The bound address (after listen). */
  address(): AddressInfo {
    return this.#server.address() as AddressInfo;
  }

  close(graceMs = 5_000): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      if (!this.#server.listening) {
        resolve();
        return;
      }
      const timer = setTimeout(() => this.#http.closeAllConnections(), graceMs);
      timer.unref();
      this.#server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.#http.closeIdleConnections();
    });
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
