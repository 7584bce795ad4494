/**
 * One `listener "tcp"` stanza -> one node:http or node:https server. Header
 * and request timeouts bound slow clients; the body limit is enforced while
 * reading (body.ts). `close()` stops accepting, lets in-flight requests
 * finish for a grace period, then cuts what is left.
 */
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { SecureVersion } from "node:tls";
import { limits } from "../lib/index.js";
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
  readonly #server: Server;
  readonly #options: ListenerOptions;
  #closing: Promise<void> | undefined;

  constructor(options: ListenerOptions, handler: HttpHandler) {
    this.#options = options;
    const tls = options.tls;
    this.#server = tls
      ? createHttpsServer(
          {
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
          },
          handler,
        )
      : createHttpServer(handler);
    this.#server.requestTimeout = options.requestTimeoutMs ?? limits.requestTimeoutMs;
    this.#server.headersTimeout = options.headersTimeoutMs ?? limits.requestHeadersTimeoutMs;
    this.#server.keepAliveTimeout = 5_000;
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
      const timer = setTimeout(() => this.#server.closeAllConnections(), graceMs);
      timer.unref();
      this.#server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.#server.closeIdleConnections();
    });
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
