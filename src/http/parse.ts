/**
 * HTTP -> logical request: the path, the operation, the token and the
 * wrapping TTL, as Vault's buildLogicalRequest derives them.
 */
import type { IncomingHttpHeaders } from "node:http";
import { CofferError, invalidRequest, parseDurationSeconds } from "../lib/index.js";
import type { Operation } from "../logical/index.js";

export const apiPrefix = "/v1/";

/**
 * The API path after `/v1/`, decoded. Refuses `.`/`..` segments (they would
 * name another mount or storage prefix once joined) and non-printable
 * characters, as Vault's PrintablePathCheckHandler does.
 */
export function apiPath(rawPathname: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPathname);
  } catch (error) {
    throw invalidRequest("invalid URL path encoding", { cause: error });
  }
  if (hasControlCharacter(decoded)) throw invalidRequest("path contains non-printable characters");
  const path = decoded.slice(apiPrefix.length);
  for (const segment of path.split("/")) {
    if (segment === "." || segment === "..")
      throw invalidRequest(`invalid path "${path}": relative path segments are not allowed`);
  }
  return path;
}

function parseBool(value: string): boolean {
  // Go's strconv.ParseBool accepts exactly these.
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  throw invalidRequest(`invalid boolean value "${value}"`);
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export interface OperationChoice {
  readonly operation: Operation;
  /** True when the path must get a trailing `/` (list semantics). */
  readonly listing: boolean;
}

export function operationFor(method: string, query: URLSearchParams, contentType: string | undefined): OperationChoice {
  switch (method) {
    case "GET":
    case "HEAD": {
      const list = query.get("list");
      if (list !== null && parseBool(list)) return { operation: "list", listing: true };
      return { operation: "read", listing: false };
    }
    case "LIST":
      return { operation: "list", listing: true };
    case "POST":
    case "PUT":
      return { operation: "update", listing: false };
    case "PATCH":
      if (!(contentType ?? "").toLowerCase().startsWith("application/merge-patch+json")) {
        throw new CofferError(
          "unsupported_media_type",
          `PATCH requires Content-Type of application/merge-patch+json, provided ${contentType ?? ""}`,
        );
      }
      return { operation: "patch", listing: false };
    case "DELETE":
      return { operation: "delete", listing: false };
    default:
      throw new CofferError("unsupported_operation", "unsupported operation");
  }
}

/** X-Vault-Token wins over `Authorization: Bearer`, as in Vault's getTokenFromReq. */
export function tokenFrom(headers: IncomingHttpHeaders): string {
  const direct = headers["x-vault-token"];
  if (typeof direct === "string" && direct !== "") return direct;
  const authorization = headers.authorization;
  if (typeof authorization === "string") {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1]) return match[1].trim();
  }
  return "";
}

export function wrapTtlFrom(headers: IncomingHttpHeaders): number | undefined {
  const raw = headers["x-vault-wrap-ttl"];
  if (typeof raw !== "string" || raw === "") return undefined;
  let seconds: number;
  try {
    seconds = parseDurationSeconds(raw);
  } catch (error) {
    throw invalidRequest(`error parsing X-Vault-Wrap-TTL header: ${(error as Error).message}`, { cause: error });
  }
  if (seconds < 0) throw invalidRequest("error parsing X-Vault-Wrap-TTL header: negative TTL");
  return seconds === 0 ? undefined : seconds;
}

/** Query parameters become request data for read/list/delete (minus the ones HTTP consumed). */
export function queryData(query: URLSearchParams): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of query) {
    if (key === "list" || key === "help") continue;
    const existing = data[key];
    if (existing === undefined) data[key] = value;
    else data[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return data;
}

export function isHelpRequest(query: URLSearchParams): boolean {
  const help = query.get("help");
  return help !== null && help !== "" && help !== "0" && help !== "false";
}
