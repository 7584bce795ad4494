/**
 * Vault's response envelope as the CLI sees it, and the logical operations
 * (read, write, list, delete) with the Go client's rules: a 404 read with no
 * data and no warnings is "nothing there" (null), not an error; a 204 write
 * has no secret.
 */
import { type ApiClient, type ApiResponse, jsonBody, type RequestOptions } from "./http-client.js";

export type JsonObject = Record<string, unknown>;

export interface SecretAuth {
  readonly client_token?: string;
  readonly accessor?: string;
  readonly policies?: readonly string[] | null;
  readonly token_policies?: readonly string[] | null;
  readonly identity_policies?: readonly string[] | null;
  readonly metadata?: Readonly<Record<string, string>> | null;
  readonly lease_duration?: number;
  readonly renewable?: boolean;
  readonly [key: string]: unknown;
}

export interface SecretWrapInfo {
  readonly token?: string;
  readonly accessor?: string;
  readonly ttl?: number;
  readonly creation_time?: string;
  readonly creation_path?: string;
  readonly wrapped_accessor?: string;
}

export interface Secret {
  readonly request_id?: string;
  readonly lease_id?: string;
  readonly lease_duration?: number;
  readonly renewable?: boolean;
  readonly data?: JsonObject | null;
  readonly warnings?: readonly string[] | null;
  readonly auth?: SecretAuth | null;
  readonly wrap_info?: SecretWrapInfo | null;
  readonly mount_type?: string;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The envelope of a response, or null when the body is empty (204). */
export function secretOf(response: ApiResponse): Secret | null {
  const parsed = jsonBody(response);
  return isJsonObject(parsed) ? (parsed as Secret) : null;
}

/** The envelope in Vault's field order, as `-format=json` prints it (auth/wrap_info only when set). */
export function secretForOutput(secret: Secret): JsonObject {
  const output: JsonObject = {
    request_id: secret.request_id ?? "",
    lease_id: secret.lease_id ?? "",
    lease_duration: secret.lease_duration ?? 0,
    renewable: secret.renewable ?? false,
    data: secret.data ?? null,
    warnings: secret.warnings ?? null,
  };
  if (secret.auth) output["auth"] = secret.auth;
  if (secret.wrap_info) output["wrap_info"] = secret.wrap_info;
  if (secret.mount_type) output["mount_type"] = secret.mount_type;
  return output;
}

function hasContent(secret: Secret | null): secret is Secret {
  return (
    secret !== null &&
    ((secret.warnings?.length ?? 0) > 0 || (isJsonObject(secret.data) && Object.keys(secret.data).length > 0))
  );
}

/** GET; null when there is nothing at the path (404 without data or warnings). */
export async function readSecret(
  client: ApiClient,
  path: string,
  query?: RequestOptions["query"],
): Promise<Secret | null> {
  const response = await client.request("GET", path, { ...(query ? { query } : {}), acceptStatuses: [404] });
  const secret = secretOf(response);
  if (response.status === 404) return hasContent(secret) ? secret : null;
  return secret;
}

/**
 * A list; null when there are no keys (Vault answers 404). Sent as
 * `GET ...?list=true`, which Vault treats exactly like the LIST verb: Node's
 * HTTP parser (and so any Node server) rejects unknown verbs such as LIST.
 */
export async function listSecret(client: ApiClient, path: string): Promise<Secret | null> {
  const target = path.endsWith("/") ? path : `${path}/`;
  const response = await client.request("GET", target, { query: { list: "true" }, acceptStatuses: [404] });
  const secret = secretOf(response);
  if (response.status === 404) return hasContent(secret) ? secret : null;
  return secret;
}

/** PUT (or another method) with a JSON body; null for a 204. */
export async function writeSecret(
  client: ApiClient,
  path: string,
  body: unknown,
  options: { method?: string; contentType?: string } = {},
): Promise<Secret | null> {
  const response = await client.request(options.method ?? "PUT", path, {
    json: body ?? {},
    ...(options.contentType ? { contentType: options.contentType } : {}),
  });
  return secretOf(response);
}

export async function deleteSecret(
  client: ApiClient,
  path: string,
  query?: RequestOptions["query"],
): Promise<Secret | null> {
  return secretOf(await client.request("DELETE", path, query ? { query } : {}));
}
