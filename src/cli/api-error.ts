/**
 * Errors from talking to the server, printed the way Vault's Go client prints
 * them, because people and scripts read them:
 *
 *     Error making API request.
 *
 *     URL: PUT http://127.0.0.1:8200/v1/secret/foo
 *     Code: 400. Errors:
 *
 *     * missing client token
 */

export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    /** The `errors` array of the body, or the raw body text when it had none. */
    readonly errors: readonly string[],
    readonly rawError: boolean,
    /** The parsed body, when it was JSON (some errors carry data). */
    readonly body: unknown,
  ) {
    super(formatApiError(method, url, status, errors, rawError));
  }
}

export function formatApiError(
  method: string,
  url: string,
  status: number,
  errors: readonly string[],
  rawError: boolean,
): string {
  const heading = `Error making API request.\n\nURL: ${method} ${url}\nCode: ${status}. ${rawError ? "Raw Message" : "Errors"}:\n\n`;
  if (rawError) return heading + errors.join("\n");
  return heading + errors.map((error) => `* ${error}`).join("\n");
}

/** A request that never got an answer (refused, reset, TLS failure, timeout). */
export class TransportError extends Error {
  override readonly name = "TransportError";

  constructor(method: string, url: string, cause: unknown) {
    super(describeTransportFailure(method, url, cause), { cause });
  }
}

function describeTransportFailure(method: string, url: string, cause: unknown): string {
  // Go's url.Error reads `Get "https://...": <reason>`.
  const operation = method.charAt(0) + method.slice(1).toLowerCase();
  const reason = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const hint =
    code === "EPROTO" || /wrong version number|packet length too long/.test(reason)
      ? " (the server does not speak TLS here; use http:// in VAULT_ADDR)"
      : code === "ECONNRESET" && url.startsWith("http://")
        ? " (the server may expect TLS; use https:// in VAULT_ADDR)"
        : "";
  return `${operation} "${url}": ${reason}${hint}`;
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
