/**
 * Test support, imported only by the CLI's tests: a real HTTP server that
 * answers as Vault would for the routes a test declares (a protocol peer, not
 * a mock of our code), and an in-memory CliIo that captures output.
 */
import { mkdtempSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { CliIo } from "./io.js";

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, e.g. `/v1/secret/data/foo?version=2`. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON, when it is JSON. */
  readonly json: unknown;
}

export interface PeerReply {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Sent as it is instead of JSON. */
  readonly raw?: Buffer;
}

type Handler = (request: RecordedRequest) => PeerReply;

export class VaultPeer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Handler>();
  private server: http.Server | undefined;
  private secure = false;

  /** Answers `METHOD /v1/<path>` (path without query) with a fixed reply or a function of the request. */
  on(method: string, path: string, reply: PeerReply | Handler): this {
    this.routes.set(`${method} /v1/${path}`, typeof reply === "function" ? reply : () => reply);
    return this;
  }

  get address(): string {
    const info = this.server?.address() as AddressInfo | undefined;
    if (info === undefined) throw new Error("peer not started");
    return `${this.secure ? "https" : "http"}://127.0.0.1:${info.port}`;
  }

  /** The requests made to one route, in order. */
  calls(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.method === method && request.url.split("?")[0] === `/v1/${path}`);
  }

  /** Starts on a free loopback port; with `tls`, serves HTTPS (and may require client certificates). */
  async start(tls?: https.ServerOptions): Promise<this> {
    const listener = (request: http.IncomingMessage, response: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => this.answer(request, Buffer.concat(chunks).toString("utf8"), response));
    };
    this.secure = tls !== undefined;
    this.server = tls ? https.createServer(tls, listener) : http.createServer(listener);
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return this;
  }

  private answer(request: http.IncomingMessage, body: string, response: http.ServerResponse): void {
    let json: unknown;
    try {
      json = body === "" ? undefined : JSON.parse(body);
    } catch {
      json = undefined;
    }
    const recorded = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, body, json };
    this.requests.push(recorded);
    const handler = this.routes.get(`${recorded.method} ${recorded.url.split("?")[0]}`);
    const reply = handler ? handler(recorded) : { status: 404, body: { errors: [] } };
    const status = reply.status ?? (reply.body === undefined && reply.raw === undefined ? 204 : 200);
    response.writeHead(status, { "Content-Type": "application/json", ...reply.headers });
    response.end(reply.raw ?? (reply.body === undefined ? undefined : JSON.stringify(reply.body)));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface CapturedIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
}

export function captureIo(options: {
  env?: Record<string, string | undefined>;
  stdin?: string | undefined;
  homeDir?: string;
  stdoutIsTty?: boolean;
}): CapturedIo {
  let out = "";
  let err = "";
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdinIsTty: false,
    stdoutIsTty: options.stdoutIsTty ?? false,
    env: options.env ?? {},
    homeDir: options.homeDir ?? mkdtempSync(join(tmpdir(), "coffer-cli-home-")),
    out: () => out,
    err: () => err,
  };
}
