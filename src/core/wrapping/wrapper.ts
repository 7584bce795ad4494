/**
 * Response wrapping (Vault's wrapping.go and sys/wrapping/*): the response
 * goes into the cubbyhole of a new single-use token (policy
 * `response-wrapping`, orphan, `ttl = explicit_max_ttl = wrap TTL`) at
 * `cubbyhole/response`, with its creation data at `cubbyhole/wrapinfo`; the
 * client gets only `wrap_info`. Unwrapping spends the token and revokes it,
 * which destroys the cubbyhole.
 */
import {
  type Clock,
  CofferError,
  formatRfc3339,
  internalError,
  invalidRequest,
  newUuid,
  permissionDenied,
} from "../../lib/index.js";
import type { Logger, Request, Response, WrapInfo } from "../../logical/index.js";
import type { CofferMetrics } from "../../metrics/index.js";
import { countTokenCreation, type ExpirationManager } from "../expiration/index.js";
import type { Router } from "../router.js";
import { type TokenEntry, TokenStore } from "../token/index.js";
import { Cubbyholes } from "./cubbyholes.js";
import { deserializeResponse, serializeResponse } from "./stored-response.js";

export const responseWrappingPolicy = "response-wrapping";
export const invalidWrappingTokenMessage = "wrapping token is not valid or does not exist";

/** The paths whose wrapping token the core checks before anything else (Vault's validateWrappingToken). */
export const wrappingTokenPaths: ReadonlySet<string> = new Set([
  "sys/wrapping/unwrap",
  "sys/wrapping/lookup",
  "sys/wrapping/rewrap",
]);

export interface WrapperDeps {
  readonly tokens: TokenStore;
  readonly expiration: ExpirationManager;
  readonly router: Router;
  readonly clock: Clock;
  readonly metrics: CofferMetrics;
  readonly logger: Logger;
}

interface WrapInfoRecord {
  creation_ttl: number;
  creation_time: string;
  creation_path: string;
}

export function isWrappingToken(entry: Pick<TokenEntry, "policies">): boolean {
  return entry.policies.length === 1 && entry.policies[0] === responseWrappingPolicy;
}

function invalidWrappingToken(): CofferError {
  return invalidRequest(invalidWrappingTokenMessage);
}

/** The wrapping token a request names: the body's `token`, else the one it authenticates with. */
function wrappingTokenOf(request: Request): { token: string; thirdParty: boolean } {
  const raw = request.data.token;
  if (raw === undefined || raw === null) return { token: request.clientToken, thirdParty: false };
  if (typeof raw !== "string")
    throw permissionDenied("error validating wrapping token: could not decode token in request body");
  if (raw === "") throw permissionDenied("error validating wrapping token: empty token in request body");
  return { token: raw, thirdParty: true };
}

function isEmptyList(response: Response): boolean {
  const data = response.data;
  if (!data || Object.keys(data).length === 0) return (response.warnings ?? []).length === 0;
  const keys = data.keys;
  if (keys === undefined || keys === null) return false;
  return !Array.isArray(keys) || keys.length === 0;
}

export class ResponseWrapper {
  readonly #deps: WrapperDeps;
  readonly cubbyholes: Cubbyholes;

  constructor(deps: WrapperDeps) {
    this.#deps = deps;
    this.cubbyholes = new Cubbyholes(deps.router);
  }

  /** Wraps a response; the answer carries only `wrap_info` (and the response's warnings). */
  async wrap(request: Request, response: Response, ttlSeconds: number): Promise<Response> {
    // Vault: an empty list is a 404 rather than a token that unwraps to nothing.
    if (request.operation === "list" && isEmptyList(response)) throw new CofferError("unsupported_path", "");
    const wrapInfo = await this.#createWrap(request, serializeResponse(response), {
      ttlSeconds,
      creationPath: request.mountPoint + request.path,
      ...(response.auth?.accessor ? { wrappedAccessor: response.auth.accessor } : {}),
    });
    return { wrapInfo, ...(response.warnings?.length ? { warnings: response.warnings } : {}) };
  }

  async #createWrap(
    request: Request,
    serialized: string,
    options: { ttlSeconds: number; creationPath: string; wrappedAccessor?: string },
  ): Promise<WrapInfo> {
    const nowMs = this.#deps.clock.nowMs();
    const token = TokenStore.newToken();
    const entry = await this.#deps.expiration.issueToken(token, {
      accessor: TokenStore.newAccessor(),
      parentSaltedId: "",
      policies: [responseWrappingPolicy],
      path: options.creationPath,
      meta: {},
      displayName: request.callerAuth?.displayName ?? "",
      numUses: 1,
      creationTimeMs: nowMs,
      ttlSeconds: options.ttlSeconds,
      explicitMaxTtlSeconds: options.ttlSeconds,
      periodSeconds: 0,
      expireTimeMs: nowMs + options.ttlSeconds * 1000,
      lastRenewalTimeMs: 0,
      renewable: false,
      type: "service",
      cubbyholeId: newUuid(),
      entityId: "",
      role: "",
      boundCidrs: [],
      noIdentityPolicies: false,
      mountAccessor: "",
      internalData: {},
    });
    const creationTime = formatRfc3339(nowMs);
    try {
      await this.cubbyholes.write(entry.cubbyholeId, "response", { response: serialized });
      const info: WrapInfoRecord = {
        creation_ttl: options.ttlSeconds,
        creation_time: creationTime,
        creation_path: options.creationPath,
      };
      await this.cubbyholes.write(entry.cubbyholeId, "wrapinfo", { ...info });
    } catch (error) {
      this.#deps.logger.error({ err: error, path: options.creationPath }, "failed to store wrapped response");
      await this.#deps.tokens.revokeTree(entry.saltedId);
      throw internalError("internal error", { cause: error });
    }
    countTokenCreation(this.#deps.metrics, {
      authMethod: "response_wrapping",
      mountPoint: request.mountPoint,
      ttlSeconds: options.ttlSeconds,
      tokenType: entry.type,
      policies: entry.policies,
    });
    return {
      token,
      accessor: entry.accessor,
      ttlSeconds: options.ttlSeconds,
      creationTime,
      creationPath: options.creationPath,
      ...(options.wrappedAccessor ? { wrappedAccessor: options.wrappedAccessor } : {}),
    };
  }

  /**
   * The pipeline's check for sys/wrapping/{unwrap,lookup,rewrap}, before
   * authentication: a missing token is a 403, an unknown, used or expired one
   * Vault's 400 `wrapping token is not valid or does not exist`.
   */
  async validate(request: Request): Promise<void> {
    const { token } = wrappingTokenOf(request);
    if (token === "") throw permissionDenied("error validating wrapping token: token is empty");
    const resolved = await this.#deps.tokens.lookup(token);
    if (!resolved || !isWrappingToken(resolved.entry)) throw invalidWrappingToken();
  }

  /**
   * The wrapping token of an unwrap or rewrap, spent: a third party's token
   * is used here (so it cannot be used twice); the caller's own was spent by
   * the pipeline and is revoked by it after the request.
   */
  async #spend(request: Request): Promise<{ entry: TokenEntry; thirdParty: boolean }> {
    const { token, thirdParty } = wrappingTokenOf(request);
    const resolved = thirdParty ? await this.#deps.tokens.lookup(token) : await this.#deps.tokens.lookupTainted(token);
    if (!resolved || !isWrappingToken(resolved.entry)) throw invalidWrappingToken();
    if (!thirdParty) return { entry: resolved.entry, thirdParty };
    const spent = await this.#deps.tokens.useToken(resolved.entry);
    if (!spent || spent.numUses !== -1) throw invalidWrappingToken();
    return { entry: spent, thirdParty };
  }

  async #readStored(entry: TokenEntry): Promise<{ response: string; info: WrapInfoRecord }> {
    const stored = await this.cubbyholes.read(entry.cubbyholeId, "response");
    const info = await this.cubbyholes.read(entry.cubbyholeId, "wrapinfo");
    if (typeof stored?.response !== "string" || !info) throw invalidWrappingToken();
    return { response: stored.response, info: info as unknown as WrapInfoRecord };
  }

  /** sys/wrapping/unwrap: the original response; the token is gone afterwards. */
  async unwrap(request: Request): Promise<Response> {
    const { entry, thirdParty } = await this.#spend(request);
    try {
      const { response } = await this.#readStored(entry);
      return deserializeResponse(response);
    } finally {
      if (thirdParty) await this.#deps.tokens.revokeTree(entry.saltedId);
    }
  }

  /** sys/wrapping/rewrap: the same response under a new token with the same TTL; the old token is revoked. */
  async rewrap(request: Request): Promise<Response> {
    const { entry, thirdParty } = await this.#spend(request);
    try {
      const { response, info } = await this.#readStored(entry);
      const wrapInfo = await this.#createWrap(request, response, {
        ttlSeconds: info.creation_ttl,
        creationPath: info.creation_path,
      });
      return { wrapInfo };
    } finally {
      if (thirdParty) await this.#deps.tokens.revokeTree(entry.saltedId);
    }
  }

  /** sys/wrapping/lookup: creation data of a live wrapping token, without spending it. */
  async lookup(request: Request): Promise<Response> {
    const token =
      typeof request.data.token === "string" && request.data.token !== "" ? request.data.token : request.clientToken;
    if (token === "") throw invalidRequest('missing "token" value in input');
    const resolved = await this.#deps.tokens.lookup(token);
    if (!resolved || !isWrappingToken(resolved.entry)) throw invalidWrappingToken();
    const info = await this.cubbyholes.read(resolved.entry.cubbyholeId, "wrapinfo");
    if (!info) throw invalidRequest("no information found; wrapping token may be from a previous Vault version");
    return {
      data: { creation_ttl: info.creation_ttl, creation_time: info.creation_time, creation_path: info.creation_path },
    };
  }
}
