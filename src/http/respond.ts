/**
 * Logical response or typed error -> Vault's JSON envelope and status code.
 * The status comes from the error's registry code (lib/errors), never from
 * matching error text.
 */

import { CofferError, isCofferError } from "../lib/index.js";
import type { Auth, Operation, Response, WrapInfo } from "../logical/index.js";
import type { ResponseSink } from "./sink.js";

const jsonHeaders = { "Content-Type": "application/json", "Cache-Control": "no-store" } as const;

export function writeJson(
  response: ResponseSink,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { ...jsonHeaders, ...headers, "Content-Length": Buffer.byteLength(text) });
  response.end(text);
}

export function writeEmpty(response: ResponseSink, status: number, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "Cache-Control": "no-store", ...headers });
  response.end();
}

export function writeError(response: ResponseSink, error: CofferError): void {
  const body: Record<string, unknown> = { errors: error.message === "" ? [] : [error.message] };
  if (error.data !== undefined) body.data = error.data;
  writeJson(response, error.status, body);
}

/** Turns anything thrown into a typed error; unknown errors become a generic 500 (details go to the log only). */
export function toCofferError(error: unknown): CofferError {
  if (isCofferError(error)) return error;
  return new CofferError("internal", "internal error", { cause: error });
}

function renderAuth(auth: Auth): Record<string, unknown> {
  return {
    client_token: auth.clientToken,
    accessor: auth.accessor,
    policies: auth.policies,
    token_policies: auth.tokenPolicies,
    ...(auth.identityPolicies?.length ? { identity_policies: auth.identityPolicies } : {}),
    metadata: Object.keys(auth.metadata).length ? auth.metadata : null,
    lease_duration: auth.ttlSeconds,
    renewable: auth.renewable,
    entity_id: auth.entityId,
    token_type: auth.tokenType,
    orphan: auth.orphan,
    mfa_requirement: null,
    num_uses: auth.numUses,
  };
}

function renderWrapInfo(wrapInfo: WrapInfo): Record<string, unknown> {
  return {
    token: wrapInfo.token,
    accessor: wrapInfo.accessor,
    ttl: wrapInfo.ttlSeconds,
    creation_time: wrapInfo.creationTime,
    creation_path: wrapInfo.creationPath,
    ...(wrapInfo.wrappedAccessor ? { wrapped_accessor: wrapInfo.wrappedAccessor } : {}),
  };
}

/**
 * Paths whose `data` keys Vault also copies to the top level of the body
 * (its legacy "injector"); clients such as node-vault read them there.
 */
const injectedPrefixes = [
  "sys/audit",
  "sys/audit-hash/",
  "sys/auth",
  "sys/config/cors",
  "sys/config/auditing/request-headers",
  "sys/capabilities",
  "sys/capabilities-accessor",
  "sys/capabilities-self",
  "sys/ha-status",
  "sys/key-status",
  "sys/mounts",
  "sys/policy",
  "sys/rekey/backup",
  "sys/rekey/recovery-key-backup",
  "sys/remount",
  "sys/rotate",
  "sys/wrapping/wrap",
];

function injectsData(path: string): boolean {
  return injectedPrefixes.some(
    (prefix) =>
      path === prefix ||
      path === `${prefix}/` ||
      (prefix.endsWith("/") ? path.startsWith(prefix) : path.startsWith(`${prefix}/`)),
  );
}

export interface EnvelopeContext {
  readonly requestId: string;
  readonly path: string;
  readonly mountType: string;
}

export function envelope(logical: Response, context: EnvelopeContext): Record<string, unknown> {
  if (logical.wrapInfo) {
    return {
      request_id: "",
      lease_id: "",
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: renderWrapInfo(logical.wrapInfo),
      warnings: logical.warnings?.length ? logical.warnings : null,
      auth: null,
    };
  }
  const body: Record<string, unknown> = {
    request_id: context.requestId,
    lease_id: logical.secret?.leaseId ?? "",
    renewable: logical.secret?.renewable ?? false,
    lease_duration: logical.secret ? logical.secret.ttlSeconds : 0,
    data: logical.data ?? null,
    wrap_info: null,
    warnings: logical.warnings?.length ? logical.warnings : null,
    auth: logical.auth ? renderAuth(logical.auth) : null,
    mount_type: context.mountType,
  };
  if (logical.data && injectsData(context.path)) return { ...logical.data, ...body };
  return body;
}

/** Writes a logical answer: raw body, redirect, 204/404 for no response, or the envelope. */
export function writeLogical(
  response: ResponseSink,
  logical: Response | undefined,
  operation: Operation,
  context: EnvelopeContext,
  headOnly: boolean,
): void {
  if (logical === undefined) {
    if (operation === "read" || operation === "list") writeJson(response, 404, { errors: [] });
    else writeEmpty(response, 204);
    return;
  }
  const extraHeaders = logical.headers ?? {};
  if (logical.raw) {
    response.writeHead(logical.raw.statusCode, {
      "Content-Type": logical.raw.contentType,
      "Cache-Control": "no-store",
      "Content-Length": logical.raw.body.byteLength,
      ...extraHeaders,
    });
    response.end(headOnly ? undefined : logical.raw.body);
    return;
  }
  if (logical.redirect) {
    writeEmpty(response, 307, { Location: logical.redirect, ...extraHeaders });
    return;
  }
  if (operation === "list" && !logical.wrapInfo && isEmptyList(logical)) {
    writeJson(response, 404, { errors: [] });
    return;
  }
  const status = logical.statusCode ?? 200;
  if (headOnly) {
    writeEmpty(response, status, extraHeaders);
    return;
  }
  writeJson(response, status, envelope(logical, context), extraHeaders);
}

function isEmptyList(logical: Response): boolean {
  if (logical.warnings?.length) return false;
  const data = logical.data;
  if (!data) return true;
  const keys = data.keys;
  const otherKeys = Object.keys(data).filter((key) => key !== "keys");
  if (otherKeys.length > 0) return false;
  return !Array.isArray(keys) || keys.length === 0;
}
