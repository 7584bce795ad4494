/** Reading and decoding request bodies, bounded by the listener's max_request_size. */
import type { IncomingMessage } from "node:http";
import { CofferError, invalidRequest } from "../lib/index.js";

/**
 * Reads the whole body, refusing it (413, Vault's "http: request body too
 * large") as soon as it passes `maxBytes`. Refusing early matters: a client
 * must not be able to make the server buffer more than the limit.
 */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxBytes) throw tooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(): CofferError {
  return new CofferError("payload_too_large", "http: request body too large");
}

/**
 * Decodes a body the way Vault's parseJSONRequest / parseFormRequest do: JSON
 * must be an object; a form-encoded body (Content-Type form and not starting
 * with `{`/`[`) becomes string fields. An empty body is no data.
 */
export function decodeBody(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  const text = body.toString("utf8");
  const trimmed = text.trimStart();
  if (trimmed === "") return {};
  const isForm = (contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
  if (isForm && !trimmed.startsWith("{") && !trimmed.startsWith("[")) {
    const data: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(text)) {
      const existing = data[key];
      if (existing === undefined) data[key] = value;
      else data[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    return data;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`failed to parse JSON input: ${(error as Error).message}`, { cause: error });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw invalidRequest("failed to parse JSON input: the body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}
