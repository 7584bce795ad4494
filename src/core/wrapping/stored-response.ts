/**
 * A wrapped response as kept in the wrapping token's cubbyhole: Coffer's
 * logical response as JSON (the HTTP layer renders it again on unwrap).
 * Backend-private data (`internalData`) is never stored: it must not reach
 * whoever unwraps. Raw bodies are kept as base64.
 */
import type { Response } from "../../logical/index.js";

interface StoredRaw {
  readonly statusCode: number;
  readonly contentType: string;
  readonly bodyBase64: string;
}

interface StoredResponse extends Omit<Response, "raw" | "wrapInfo" | "statusCode"> {
  raw?: StoredRaw;
}

export function serializeResponse(response: Response): string {
  const { raw, wrapInfo: _wrapInfo, statusCode: _statusCode, secret, auth, ...rest } = response;
  const stored: StoredResponse = {
    ...rest,
    ...(secret ? { secret: { ...secret, internalData: {} } } : {}),
    ...(auth ? { auth: { ...auth, internalData: {} } } : {}),
    ...(raw
      ? {
          raw: {
            statusCode: raw.statusCode,
            contentType: raw.contentType,
            bodyBase64: Buffer.from(raw.body).toString("base64"),
          },
        }
      : {}),
  };
  return JSON.stringify(stored);
}

export function deserializeResponse(text: string): Response {
  const { raw, ...rest } = JSON.parse(text) as StoredResponse;
  return {
    ...rest,
    ...(raw
      ? {
          raw: {
            statusCode: raw.statusCode,
            contentType: raw.contentType,
            body: Buffer.from(raw.bodyBase64, "base64"),
          },
        }
      : {}),
  };
}
