/** What a backend answers. The core adds lease ids and wrapping; HTTP renders Vault's envelope. */
import type { Auth, Secret } from "./lease.js";

export interface WrapInfo {
  token: string;
  accessor: string;
  ttlSeconds: number;
  creationTime: string;
  creationPath: string;
  wrappedAccessor?: string;
}

/** A raw (non-envelope) body, e.g. a PEM CA certificate or a CRL. */
export interface RawBody {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

export interface Response {
  data?: Record<string, unknown>;
  secret?: Secret;
  auth?: Auth;
  warnings?: string[];
  /** A 307 redirect target. */
  redirect?: string;
  wrapInfo?: WrapInfo;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Forces the HTTP status while still sending the envelope (KV v2's 404 with metadata). */
  statusCode?: number;
  raw?: RawBody;
}

/** Vault's logical.ListResponse: `{keys: [...]}`. */
export function listResponse(keys: string[]): Response {
  return { data: { keys } };
}
