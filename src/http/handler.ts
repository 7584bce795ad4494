/**
 * The HTTP entry point: one function from a request to an answer written to
 * a ResponseSink. Thin by design: parse, pick the raw sys handler or build a
 * logical request, call the core facade, render. Nothing thrown here escapes
 * to Node: every failure becomes a Vault-style error body.
 *
 * The same code serves a socket (createHttpHandler) and a request a standby
 * forwarded over the cluster port (createForwardedHandler), so the active's
 * answer to a forwarded request is exactly what it would have answered
 * directly. On a standby, everything but the locally served raw endpoints is
 * forwarded to the active and its answer relayed unchanged.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CoreFacade, IncomingRequest } from "../core/index.js";
import { CofferError, newUuid } from "../lib/index.js";
import type { Logger } from "../logical/index.js";
import type { CofferMetrics } from "../metrics/index.js";
import { decodeBody, readBody } from "./body.js";
import type { ForwardedRequest, ForwardedResponse, Forwarder } from "./forwarder.js";
import { apiPath, apiPrefix, isHelpRequest, operationFor, queryData, tokenFrom, wrapTtlFrom } from "./parse.js";
import { toCofferError, writeEmpty, writeError, writeLogical } from "./respond.js";
import { BufferSink, headerObject, type ResponseSink } from "./sink.js";
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

/** A request as the handler sees it, from a socket or from a standby. */
interface HttpInput {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  /** Header pairs as received, for forwarding. */
  readonly rawHeaders: ReadonlyArray<readonly [string, string]>;
  readBody(maxBytes: number): Promise<Buffer>;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly tls: boolean;
  /** A standby forwarded it: never forward it again. */
  readonly forwarded: boolean;
}

/** Thrown to the cluster port when a forwarded request reaches a node that is not active (it was not run). */
export class NotActiveError extends CofferError {
  constructor() {
    super("unavailable", "node is not active");
  }
}

export function createHttpHandler(options: HttpHandlerOptions): HttpHandler {
  return (request, response) => {
    const input: HttpInput = {
      method: (request.method ?? "GET").toUpperCase(),
      url: request.url ?? "/",
      headers: request.headers,
      rawHeaders: pairs(request.rawHeaders),
      readBody: (maxBytes) => readBody(request, maxBytes),
      remoteAddress: request.socket.remoteAddress ?? "",
      remotePort: request.socket.remotePort ?? 0,
      tls: options.tls,
      forwarded: false,
    };
    handleSafely(options, input, response).then((failure) => {
      if (!failure) return;
      // Headers already on the wire: the error cannot be told, so cut the response short.
      if (!failure.answered) response.destroy();
      // A refused body is left unread; close the connection rather than drain it.
      else if (failure.error.code === "payload_too_large") request.socket.end();
    });
  };
}

/** The active's side of request forwarding: run a standby's request through the same handler. */
export function createForwardedHandler(
  options: Omit<HttpHandlerOptions, "forwarder" | "tls">,
): (request: ForwardedRequest) => Promise<ForwardedResponse> {
  return async (request) => {
    if (options.core.servingState().kind !== "active") throw new NotActiveError();
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of request.headers) {
      const key = name.toLowerCase();
      const existing = headers[key];
      headers[key] =
        existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    const body = Buffer.from(request.body);
    const input: HttpInput = {
      method: request.method.toUpperCase(),
      url: request.url,
      headers,
      rawHeaders: request.headers,
      readBody: async (maxBytes) => {
        if (body.byteLength > maxBytes) throw new CofferError("payload_too_large", "http: request body too large");
        return body;
      },
      remoteAddress: request.remoteAddress,
      remotePort: request.remotePort,
      tls: request.tls,
      forwarded: true,
    };
    const sink = new BufferSink();
    await handleSafely({ ...options, tls: request.tls }, input, sink);
    return sink.captured();
  };
}

interface HandlerFailure {
  readonly error: CofferError;
  /** False when the failure came after the headers were sent, so no error body could be written. */
  readonly answered: boolean;
}

/** Runs the handler; a failure becomes an error body when the headers are not out yet. */
async function handleSafely(
  options: HttpHandlerOptions,
  input: HttpInput,
  response: ResponseSink,
): Promise<HandlerFailure | undefined> {
  try {
    await handle(options, input, response);
    return undefined;
  } catch (error) {
    const typed = toCofferError(error);
    if (typed.code === "internal") options.logger.error({ err: error, url: input.url }, "request failed");
    if (response.headersSent) return { error: typed, answered: false };
    writeError(response, typed);
    return { error: typed, answered: true };
  }
}

async function handle(options: HttpHandlerOptions, input: HttpInput, response: ResponseSink): Promise<void> {
  // The raw target, not `URL.pathname`: WHATWG URL parsing would resolve `..`
  // segments before we could refuse them.
  const target = input.url;
  const queryStart = target.indexOf("?");
  const rawPathname = queryStart === -1 ? target : target.slice(0, queryStart);
  const url = new URL(queryStart === -1 ? "/" : target.slice(queryStart), "http://coffer.invalid");
  if (!rawPathname.startsWith(apiPrefix)) {
    writeErrorStatus(response, 404);
    return;
  }
  const method = input.method;
  if (method === "OPTIONS") {
    writeEmpty(response, 204, { Allow: "GET, HEAD, LIST, POST, PUT, PATCH, DELETE" });
    return;
  }
  const path = apiPath(rawPathname);
  const bodyBytes =
    method === "GET" || method === "HEAD" ? Buffer.alloc(0) : await input.readBody(options.maxRequestBytes);

  const raw =
    rawHandlers.get(path) ??
    (path === "sys/metrics" && options.unauthenticatedMetricsAccess ? unauthenticatedMetricsHandler : undefined);
  if (raw) {
    const rawRequest: RawRequest = {
      method,
      query: url.searchParams,
      headers: input.headers,
      body: decodeBody(bodyBytes, input.headers["content-type"]),
    };
    await raw(options.core, rawRequest, response);
    return;
  }

  if (options.forwarder && !input.forwarded && options.core.servingState().kind === "standby") {
    await forwardToActive(options, options.forwarder, input, path, bodyBytes, response);
    return;
  }

  const choice = operationFor(method, url.searchParams, input.headers["content-type"]);
  const logicalPath = choice.listing && !path.endsWith("/") ? `${path}/` : path;
  const help = isHelpRequest(url.searchParams);
  const rawBody = isRawBodyPath(path);
  const bodyData = rawBody || bodyBytes.length === 0 ? {} : decodeBody(bodyBytes, input.headers["content-type"]);
  const takesQuery = choice.operation === "read" || choice.operation === "list" || choice.operation === "delete";
  const wrapTtlSeconds = wrapTtlFrom(input.headers);
  const incoming: IncomingRequest = {
    id: newUuid(),
    operation: help ? "help" : choice.operation,
    path: logicalPath,
    data: takesQuery ? { ...queryData(url.searchParams), ...bodyData } : bodyData,
    clientToken: tokenFrom(input.headers),
    headers: input.headers,
    connection: { remoteAddress: input.remoteAddress, remotePort: input.remotePort, tls: input.tls },
    ...(wrapTtlSeconds === undefined ? {} : { wrapTtlSeconds }),
    ...(rawBody ? { rawBody: bodyBytes } : {}),
    ...(input.forwarded ? { forwarded: true } : {}),
  };
  const handled = await options.core.handleRequest(incoming);
  const context = { requestId: incoming.id, path, mountType: handled.mountType };
  writeLogical(response, handled.response, handled.operation, context, method === "HEAD");
}

/** Standby: a redirect when the client asks for one, Vault's local refusal of sys/seal, else the active's answer. */
async function forwardToActive(
  options: HttpHandlerOptions,
  forwarder: Forwarder,
  input: HttpInput,
  path: string,
  bodyBytes: Buffer,
  response: ResponseSink,
): Promise<void> {
  if (path === "sys/seal") {
    throw new CofferError("internal", "vault cannot seal when in standby mode; please restart instead");
  }
  const noForwarding = input.headers["x-vault-no-request-forwarding"];
  if (noForwarding !== undefined && noForwarding !== "") {
    const leader = await options.core.leader();
    if (leader.leader_address === "") throw new CofferError("unavailable", "no active Vault instance found");
    writeEmpty(response, 307, { Location: `${leader.leader_address.replace(/\/+$/, "")}${input.url}` });
    return;
  }
  const answer = await forwarder.forward({
    method: input.method,
    url: input.url,
    headers: input.rawHeaders,
    body: bodyBytes,
    remoteAddress: input.remoteAddress,
    remotePort: input.remotePort,
    tls: input.tls,
  });
  response.writeHead(answer.statusCode, headerObject(answer.headers));
  response.end(answer.body.byteLength === 0 ? undefined : answer.body);
}

function pairs(rawHeaders: readonly string[]): Array<readonly [string, string]> {
  const result: Array<readonly [string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    result.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  return result;
}

/** Endpoints that take the body as bytes rather than JSON. */
function isRawBodyPath(path: string): boolean {
  return path === "sys/storage/raft/snapshot" || path === "sys/storage/raft/snapshot-force";
}

function writeErrorStatus(response: ResponseSink, status: number): void {
  response.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  response.end(`${JSON.stringify({ errors: [] })}\n`);
}
