/**
 * The one error registry: every operational failure Coffer reports carries a
 * stable code, and the code alone decides the HTTP status (in one place,
 * `httpStatusOf`). Messages are safe to show a client; causes are chained for
 * the log and never sent.
 */
export const errorStatusByCode = {
  /** Vault's logical.ErrInvalidRequest and every validation failure. */
  invalid_request: 400,
  permission_denied: 403,
  /** A read of something that does not exist (Vault answers 404 with no message). */
  not_found: 404,
  /** No mount or path matches (`no handler for route ...`). */
  unsupported_path: 404,
  unsupported_operation: 405,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  upstream: 502,
  sealed: 503,
  /** Not able to serve now (standby without a leader, shutting down); the client may retry. */
  unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorStatusByCode;

export interface CofferErrorOptions {
  readonly cause?: unknown;
  /** Extra response data some Vault errors carry (`RespondErrorAndData`). */
  readonly data?: Record<string, unknown>;
}

export class CofferError extends Error {
  override readonly name = "CofferError";
  readonly code: ErrorCode;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: CofferErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options.data;
  }

  get status(): number {
    return errorStatusByCode[this.code];
  }
}

export function httpStatusOf(code: ErrorCode): number {
  return errorStatusByCode[code];
}

export function isCofferError(error: unknown): error is CofferError {
  return error instanceof CofferError;
}

/** Shorthands for the errors raised most often; each returns (not throws) so callers write `throw invalidRequest(...)`. */
export function invalidRequest(message: string, options?: CofferErrorOptions): CofferError {
  return new CofferError("invalid_request", message, options);
}

export function permissionDenied(message = "permission denied", options?: CofferErrorOptions): CofferError {
  return new CofferError("permission_denied", message, options);
}

export function notFound(message = "", options?: CofferErrorOptions): CofferError {
  return new CofferError("not_found", message, options);
}

export function internalError(message: string, options?: CofferErrorOptions): CofferError {
  return new CofferError("internal", message, options);
}

/** Vault's exact text, matched by clients (`Vault is sealed`). */
export const sealedMessage = "Vault is sealed";

export function sealedError(): CofferError {
  return new CofferError("sealed", sealedMessage);
}
