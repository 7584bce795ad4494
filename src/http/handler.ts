/**
 * The HTTP entry point: one function from (IncomingMessage, ServerResponse)
 * to an answer. Thin by design: parse, pick the raw sys handler or build a
 * logical request, call the core facade, render. Nothing thrown here escapes
 * to Node: every failure becomes a Vault-style error body.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CoreFacade, IncomingRequest } from "../core/index.js";
import { newUuid } from "../lib/index.js";
import type { Logger } from "../logical/index.js";
import type { CofferMetrics } from "../metrics/index.js";
import { decodeBody, readBody } from "./body.js";
import type { Forwarder } from "./forwarder.js";
import { apiPath, apiPrefix, isHelpRequest, operationFor, queryData, tokenFrom, wrapTtlFrom } from "./parse.js";
import { toCofferError, writeEmpty, writeError, writeLogical } from "./respond.js";
import { type RawRequest, rawHandlers, unauthenticatedMetricsHandler } from "./sys-raw.js";

export interface HttpHandlerOptions {
  readonly core: CoreFacade;
  readonly logger: Logger;
  readonly metrics: CofferMetrics;
  readonly maxRequestBytes: number;
  readonly unauthenticatedMetricsAccess: boolean;
  /** Set on clustered nodes; undefined means this node never forwards. */
  readonly forwarder?: Forwarder;
  /** True for an HTTPS listener (recorded on requests). */
  readonly tls: boolean;
}

export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => void;

export function createHttpHandler(options: HttpHandlerOptions): HttpHandler {
  return (request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      const typed = toCofferError(error);
      if (typed.code === "internal") options.logger.error({ err: error, url: request.url }, "request failed");
      if (!response.headersSent) writeError(response, typed);
      else response.destroy();
      // A refused body is left unread; close the connection rather than drain it.
      if (typed.code === "payload_too_large") request.socket.end();
    });
  };
}

async function handle(options: HttpHandlerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // The raw target, not `URL.pathname`: WHATWG URL parsing would resolve `..`
  // segments before we could refuse them.
  const target = request.url ?? "/";
  const queryStart = target.indexOf("?");
  const rawPathname = queryStart === -1 ? target : target.slice(0, queryStart);
  const url = new URL(queryStart === -1 ? "/" : target.slice(queryStart), "http://coffer.invalid");
  if (!rawPathname.startsWith(apiPrefix)) {
    writeErrorStatus(response, 404);
    return;
  }
  const method = (request.method ?? "GET").toUpperCase();
  if (method === "OPTIONS") {
    writeEmpty(response, 204, { Allow: "GET, HEAD, LIST, POST, PUT, PATCH, DELETE" });
    return;
  }
  const path = apiPath(rawPathname);
  const bodyBytes =
    method === "GET" || method === "HEAD" ? Buffer.alloc(0) : await readBody(request, options.maxRequestBytes);

  const raw =
    rawHandlers.get(path) ??
    (path === "sys/metrics" && options.unauthenticatedMetricsAccess ? unauthenticatedMetricsHandler : undefined);
  if (raw) {
    const rawRequest: RawRequest = {
      method,
      query: url.searchParams,
      headers: request.headers,
      body: decodeBody(bodyBytes, request.headers["content-type"]),
    };
    await raw(options.core, rawRequest, response);
    return;
  }

  if (options.forwarder && options.core.servingState().kind === "standby") {
    const answer = await options.forwarder.forward({
      method,
      url: request.url ?? "/",
      headers: request.headers,
      body: bodyBytes,
      remoteAddress: request.socket.remoteAddress ?? "",
      remotePort: request.socket.remotePort ?? 0,
    });
    response.writeHead(answer.statusCode, answer.headers);
    response.end(answer.body);
    return;
  }

  const choice = operationFor(method, url.searchParams, request.headers["content-type"]);
  const logicalPath = choice.listing && !path.endsWith("/") ? `${path}/` : path;
  const help = isHelpRequest(url.searchParams);
  const rawBody = isRawBodyPath(path);
  const bodyData = rawBody || bodyBytes.length === 0 ? {} : decodeBody(bodyBytes, request.headers["content-type"]);
  const takesQuery = choice.operation === "read" || choice.operation === "list" || choice.operation === "delete";
  const wrapTtlSeconds = wrapTtlFrom(request.headers);
  const incoming: IncomingRequest = {
    id: newUuid(),
    operation: help ? "help" : choice.operation,
    path: logicalPath,
    data: takesQuery ? { ...queryData(url.searchParams), ...bodyData } : bodyData,
    clientToken: tokenFrom(request.headers),
    headers: request.headers,
    connection: {
      remoteAddress: request.socket.remoteAddress ?? "",
      remotePort: request.socket.remotePort ?? 0,
      tls: options.tls,
    },
    ...(wrapTtlSeconds === undefined ? {} : { wrapTtlSeconds }),
    ...(rawBody ? { rawBody: bodyBytes } : {}),
  };
  const handled = await options.core.handleRequest(incoming);
  const context = { requestId: incoming.id, path, mountType: handled.mountType };
  writeLogical(response, handled.response, handled.operation, context, method === "HEAD");
}

/** Endpoints that take the body as bytes rather than JSON. */
function isRawBodyPath(path: string): boolean {
  return path === "sys/storage/raft/snapshot" || path === "sys/storage/raft/snapshot-force";
}

function writeErrorStatus(response: ServerResponse, status: number): void {
  response.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  response.end(`${JSON.stringify({ errors: [] })}\n`);
}
