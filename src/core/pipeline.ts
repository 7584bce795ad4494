/**
 * The request pipeline: a few named stages, each short, run in order for
 * every logical request (DESIGN "The request pipeline"):
 *   route -> authenticate -> resolve create/update -> authorize
 *   -> audit request -> handle -> register lease -> wrap -> audit response.
 * Stages that later features own (leases, wrapping, login tokens) are
 * narrow interfaces filled in by the core when those features exist.
 */
import { type Clock, CofferError, permissionDenied } from "../lib/index.js";
import type { Auth, Logger, Request, Response } from "../logical/index.js";
import { type CofferMetrics, metricNames, routeMetricName } from "../metrics/index.js";
import { type AccessResolver, allowAll } from "./access.js";
import type { AuditBroker } from "./audit-broker.js";
import type { HandledRequest, IncomingRequest } from "./facade.js";
import type { RouteMatch, Router } from "./router.js";
import {
  addressAllowed,
  authFromEntry,
  isRootToken,
  type ResolvedToken,
  type TokenEntry,
  type TokenStore,
} from "./token/index.js";
import { wrappingTokenPaths } from "./wrapping/index.js";

/** Turns a backend's answer that carries a secret or a login into leases and tokens. */
export interface ResponseFinisher {
  /** Registers a lease for `response.secret` (sets its leaseId); returns the response to send. */
  registerSecret(request: Request, route: RouteMatch, response: Response): Promise<Response>;
  /** Creates the token for a login response (`response.auth` without a client token). */
  completeLogin(request: Request, route: RouteMatch, response: Response): Promise<Response>;
  /** Wraps the response in a single-use token when asked to. */
  wrap(request: Request, response: Response, wrapTtlSeconds: number): Promise<Response>;
  /** Revokes a token whose last use this request was (num_uses reached 0). */
  finishLastUse(entry: TokenEntry, response: Response | undefined): Promise<Response | undefined>;
}

export interface PipelineDeps {
  readonly router: Router;
  readonly tokens: TokenStore;
  readonly resolveAccess: AccessResolver;
  readonly audit: AuditBroker;
  readonly finisher: ResponseFinisher | undefined;
  readonly metrics: CofferMetrics;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Checks the wrapping token of sys/wrapping/{unwrap,lookup,rewrap} before
   * authentication (Vault answers 400 for a bad one there, not 403).
   */
  readonly validateWrappingToken?: (request: Request) => Promise<void>;
}

interface Caller {
  readonly resolved: ResolvedToken;
  readonly auth: Auth;
}

export class Pipeline {
  readonly #deps: PipelineDeps;

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
  }

  async handle(incoming: IncomingRequest): Promise<HandledRequest> {
    const started = performance.now();
    const route = this.#route(incoming.path);
    const request = this.#logicalRequest(incoming, route);
    if (request.operation === "help") {
      return {
        response: await route.entry.backend.help(request),
        operation: "help",
        mountType: route.entry.mount.type,
      };
    }
    if (this.#deps.validateWrappingToken && wrappingTokenPaths.has(route.entry.routePath + route.relativePath)) {
      await this.#deps.validateWrappingToken(request);
    }
    const unauthenticated = route.entry.unauthenticated.matches(route.relativePath);
    const caller = unauthenticated ? undefined : await this.#authenticate(request);
    // An unauthenticated path still learns who is calling when a valid token comes along
    // (sys/internal/ui/mounts lists more for one); a bad token there is simply ignored.
    if (unauthenticated) await this.#identify(request);
    await this.#resolveCreateOrUpdate(request, route);
    if (!unauthenticated) await this.#authorize(request, route, caller);
    const spent = caller ? await this.#useToken(request, caller) : undefined;

    let response: Response | undefined;
    try {
      await this.#deps.audit.log({ type: "request", request, ...(caller ? { auth: caller.auth } : {}) });
      response = await route.entry.backend.handle(request);
      response = await this.#finish(request, route, response);
    } catch (error) {
      // The last use is spent whatever the outcome: the token must not outlive a failed request.
      if (spent?.numUses === -1) await this.#revokeSpent(spent);
      throw error;
    }
    if (spent?.numUses === -1 && this.#deps.finisher) {
      response = await this.#deps.finisher.finishLastUse(spent, response);
    }
    await this.#deps.audit.log({
      type: "response",
      request,
      ...(caller ? { auth: caller.auth } : {}),
      ...(response ? { response } : {}),
    });
    const elapsedMs = performance.now() - started;
    this.#deps.metrics.summary(metricNames.handleRequest).observe(elapsedMs);
    this.#deps.metrics.summary(routeMetricName(request.operation, route.entry.routePath)).observe(elapsedMs);
    return { response, operation: request.operation, mountType: route.entry.mount.type };
  }

  #route(path: string): RouteMatch {
    const match = this.#deps.router.match(path);
    if (!match) throw new CofferError("unsupported_path", `no handler for route "${path}". route entry not found.`);
    return match;
  }

  #logicalRequest(incoming: IncomingRequest, route: RouteMatch): Request {
    const mount = route.entry.mount;
    return {
      id: incoming.id,
      operation: incoming.operation,
      path: route.relativePath,
      data: incoming.data,
      storage: route.entry.storage,
      clientToken: incoming.clientToken,
      clientTokenAccessor: "",
      mountPoint: route.entry.routePath,
      mountType: mount.type,
      mountAccessor: mount.accessor,
      headers: incoming.headers,
      ...(incoming.connection ? { connection: incoming.connection } : {}),
      ...(incoming.wrapTtlSeconds === undefined ? {} : { wrapTtlSeconds: incoming.wrapTtlSeconds }),
      ...(incoming.rawBody ? { rawBody: incoming.rawBody } : {}),
      ...(incoming.forwarded ? { forwarded: true } : {}),
    };
  }

  async #authenticate(request: Request): Promise<Caller> {
    const started = performance.now();
    try {
      if (request.clientToken === "") throw this.#authFailure(request, "missing client token");
      const resolved = await this.#deps.tokens.lookup(request.clientToken);
      if (!resolved) throw this.#authFailure(request, "invalid token");
      const entry = resolved.entry;
      request.clientTokenAccessor = entry.accessor;
      if (!this.#fromBoundCidr(request, entry))
        throw this.#authFailure(request, "source address outside the token's bound CIDRs");
      const auth = authOf(resolved);
      request.callerAuth = auth;
      request.cubbyholeId = entry.cubbyholeId;
      return { resolved, auth };
    } finally {
      this.#deps.metrics.summary(metricNames.checkToken).observe(performance.now() - started);
    }
  }

  /** Best-effort identification for unauthenticated paths: no use is spent, nothing is refused. */
  async #identify(request: Request): Promise<void> {
    if (request.clientToken === "") return;
    const resolved = await this.#deps.tokens.lookup(request.clientToken);
    if (!resolved || !this.#fromBoundCidr(request, resolved.entry)) return;
    request.clientTokenAccessor = resolved.entry.accessor;
    request.callerAuth = authOf(resolved);
    request.cubbyholeId = resolved.entry.cubbyholeId;
  }

  /** Vault checks bound CIDRs for every token but non-expiring root tokens. */
  #fromBoundCidr(request: Request, entry: TokenEntry): boolean {
    if (entry.boundCidrs.length === 0 || (isRootToken(entry) && entry.expireTimeMs === 0)) return true;
    return addressAllowed(entry.boundCidrs, request.connection?.remoteAddress ?? "");
  }

  /** Spends one use of a limited-use token; one used up or revoked meanwhile is refused. */
  async #useToken(request: Request, caller: Caller): Promise<TokenEntry> {
    const spent = await this.#deps.tokens.useToken(caller.resolved.entry);
    if (!spent) throw this.#authFailure(request, "token used up or revoked during the request");
    return spent;
  }

  async #revokeSpent(entry: TokenEntry): Promise<void> {
    try {
      await this.#deps.tokens.revokeTree(entry.saltedId);
    } catch (error) {
      this.#deps.logger.error({ err: error, accessor: entry.accessor }, "failed to revoke a token after its last use");
    }
  }

  /** Counts and logs a refused token; the log names the path and reason, never the token (the accessor at most). */
  #authFailure(request: Request, reason: string): CofferError {
    this.#deps.metrics.counter(metricNames.authFailures, "requests refused for a missing or invalid token").inc();
    this.#deps.logger.warn(
      {
        path: request.mountPoint + request.path,
        reason,
        ...(request.clientTokenAccessor ? { accessor: request.clientTokenAccessor } : {}),
        ...(request.connection ? { remoteAddress: request.connection.remoteAddress } : {}),
      },
      "authentication failed",
    );
    // The reason is for the log only; the client sees Vault's message.
    return permissionDenied("permission denied", { cause: new Error(reason) });
  }

  /** POST/PUT is `update` unless the path's existence check says the target is new (then `create`). */
  async #resolveCreateOrUpdate(request: Request, route: RouteMatch): Promise<void> {
    if (request.operation !== "update") return;
    const existence = await route.entry.backend.existenceCheck(request);
    if (existence.checkFound && !existence.exists) request.operation = "create";
  }

  async #authorize(request: Request, route: RouteMatch, caller: Caller | undefined): Promise<void> {
    if (!caller) throw permissionDenied();
    const entry = caller.resolved.entry;
    const access = isRootToken(entry) ? allowAll : await this.#deps.resolveAccess(entry.policies);
    const decision = access.check({
      path: route.entry.routePath + route.relativePath,
      operation: request.operation,
      data: request.data,
      sudoRequired: route.entry.sudo.matches(route.relativePath),
      ...(request.wrapTtlSeconds === undefined ? {} : { wrapTtlSeconds: request.wrapTtlSeconds }),
    });
    if (!decision.allowed) {
      this.#deps.metrics.counter(metricNames.permissionDenials, "requests refused by policy").inc();
      this.#deps.logger.warn(
        {
          path: route.entry.routePath + route.relativePath,
          operation: request.operation,
          accessor: entry.accessor,
          ...(request.connection ? { remoteAddress: request.connection.remoteAddress } : {}),
        },
        "permission denied",
      );
      throw permissionDenied();
    }
  }

  async #finish(request: Request, route: RouteMatch, response: Response | undefined): Promise<Response | undefined> {
    const finisher = this.#deps.finisher;
    if (!response || !finisher) return response;
    let result = response;
    if (result.auth && result.auth.clientToken === "") result = await finisher.completeLogin(request, route, result);
    if (result.secret && result.secret.leaseId === undefined)
      result = await finisher.registerSecret(request, route, result);
    if (request.wrapTtlSeconds !== undefined && !isUnwrapResult(request)) {
      result = await finisher.wrap(request, result, request.wrapTtlSeconds);
    }
    return result;
  }
}

function isUnwrapResult(request: Request): boolean {
  return request.mountType === "system" && request.path === "wrapping/unwrap";
}

/** The caller's token as a response-style Auth (for engines and the audit log). */
export function authOf(resolved: ResolvedToken): Auth {
  return authFromEntry(resolved.token, resolved.entry);
}
