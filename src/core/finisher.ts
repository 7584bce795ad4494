/**
 * The pipeline's ResponseFinisher: leases for secrets, tokens for logins,
 * response wrapping, and the revocation of a token whose last use a request
 * was. Each stage is owned by its module; this only connects them.
 */
import { invalidRequest } from "../lib/index.js";
import type { Request, Response } from "../logical/index.js";
import type { ExpirationManager } from "./expiration/index.js";
import type { ResponseFinisher } from "./pipeline.js";
import type { RouteMatch } from "./router.js";
import { completeLogin, type LoginDeps } from "./token/auth/index.js";
import type { TokenEntry, TokenStore } from "./token/index.js";
import type { ResponseWrapper } from "./wrapping/index.js";

export interface FinisherDeps {
  readonly expiration: ExpirationManager;
  readonly wrapper: ResponseWrapper;
  readonly tokens: TokenStore;
  readonly login: LoginDeps;
}

export class CoreFinisher implements ResponseFinisher {
  readonly #deps: FinisherDeps;

  constructor(deps: FinisherDeps) {
    this.#deps = deps;
  }

  registerSecret(request: Request, route: RouteMatch, response: Response): Promise<Response> {
    return this.#deps.expiration.registerSecret(request, route, response);
  }

  completeLogin(request: Request, route: RouteMatch, response: Response): Promise<Response> {
    return completeLogin(this.#deps.login, request, route, response);
  }

  wrap(request: Request, response: Response, wrapTtlSeconds: number): Promise<Response> {
    return this.#deps.wrapper.wrap(request, response, wrapTtlSeconds);
  }

  /**
   * Revokes the token (and so every lease it obtained, this request's
   * included). A leased secret cannot be handed out any more: Vault's 400.
   */
  async finishLastUse(entry: TokenEntry, response: Response | undefined): Promise<Response | undefined> {
    await this.#deps.tokens.revokeTree(entry.saltedId);
    if (response?.secret?.leaseId) {
      throw invalidRequest(
        "Secret cannot be returned; token had one use left, so leased credentials were immediately revoked.",
      );
    }
    return response;
  }
}
