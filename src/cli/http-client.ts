/**
 * The CLI's own small HTTP client on node:http/https. It speaks Vault's wire
 * protocol only: `/v1/` paths, `X-Vault-Token`, `X-Vault-Request: true` on
 * every request, JSON bodies, the LIST verb, redirects followed (a standby may
 * answer 307 with the active's address), and errors turned into ApiError.
 */
import { readdir, readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { join } from "node:path";
import { ApiError, TransportError } from "./api-error.js";
import type { ClientSettings, TlsSettings } from "./settings.js";

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  /** Serialised as JSON. */
  readonly json?: unknown;
  /** Sent as it is (snapshots). */
  readonly body?: Buffer;
  readonly contentType?: string;
  /** Statuses returned instead of thrown (e.g. 404 for reads, 429/503 for health). */
  readonly acceptStatuses?: readonly number[];
  /** Send no token even if one is configured. */
  readonly anonymous?: boolean;
}

export interface ApiResponse {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

const redirectLimit = 5;

/** The body as JSON, or undefined when it is empty or not JSON. */
export function jsonBody(response: ApiResponse): unknown {
  if (response.body.length === 0) return undefined;
  try {
    return JSON.parse(response.body.toString("utf8"));
  } catch {
    return undefined;
  }
}

async function loadCaCertificates(tls: TlsSettings): Promise<Buffer[] | undefined> {
  const certificates: Buffer[] = [];
  if (tls.caCertFile !== undefined) certificates.push(await readFile(tls.caCertFile));
  if (tls.caPath !== undefined) {
    for (const name of (await readdir(tls.caPath)).sort()) {
      if (/\.(pem|crt)$/i.test(name)) certificates.push(await readFile(join(tls.caPath, name)));
    }
  }
  return certificates.length > 0 ? certificates : undefined;
}

/** As Vault's client: a JSON body gives its `errors` (possibly none); anything else is shown raw. */
function toApiError(response: ApiResponse): ApiError {
  const parsed = jsonBody(response);
  if (typeof parsed === "object" && parsed !== null) {
    const errors = (parsed as { errors?: unknown }).errors;
    const messages = Array.isArray(errors) ? errors.map(String) : [];
    return new ApiError(response.method, response.url, response.status, messages, false, parsed);
  }
  return new ApiError(response.method, response.url, response.status, [response.body.toString("utf8")], true, parsed);
}

export class ApiClient {
  private agentOptions: Promise<https.RequestOptions> | undefined;

  constructor(readonly settings: ClientSettings) {}

  get token(): string | undefined {
    return this.settings.token;
  }

  /** The URL of an API path such as `sys/seal-status` (leading slashes ignored). */
  url(path: string, query: RequestOptions["query"] = {}): URL {
    const base = this.settings.address.replace(/\/+$/, "");
    const url = new URL(`${base}/v1/${path.replace(/^\/+/, "")}`);
    for (const [key, value] of Object.entries(query)) {
      for (const item of typeof value === "string" ? [value] : value) url.searchParams.append(key, item);
    }
    return url;
  }

  /** Sends a request and throws ApiError on any status >= 400 not listed in acceptStatuses. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const response = await this.send(method, this.url(path, options.query), options);
    if (response.status >= 400 && !options.acceptStatuses?.includes(response.status)) throw toApiError(response);
    return response;
  }

  private tlsOptions(): Promise<https.RequestOptions> {
    this.agentOptions ??= (async () => {
      const tls = this.settings.tls;
      const options: https.RequestOptions = { rejectUnauthorized: !tls.skipVerify };
      const ca = await loadCaCertificates(tls);
      if (ca !== undefined) options.ca = ca;
      if (tls.clientCertFile !== undefined) options.cert = await readFile(tls.clientCertFile);
      if (tls.clientKeyFile !== undefined) options.key = await readFile(tls.clientKeyFile);
      if (tls.serverName !== undefined) options.servername = tls.serverName;
      return options;
    })();
    return this.agentOptions;
  }

  private headers(options: RequestOptions, payload: Buffer | undefined): http.OutgoingHttpHeaders {
    const headers: http.OutgoingHttpHeaders = { ...this.settings.headers, "X-Vault-Request": "true" };
    if (!options.anonymous && this.settings.token !== undefined) headers["X-Vault-Token"] = this.settings.token;
    if (this.settings.wrapTtl !== undefined) headers["X-Vault-Wrap-TTL"] = this.settings.wrapTtl;
    if (payload !== undefined) {
      headers["Content-Type"] = options.contentType ?? "application/json";
      headers["Content-Length"] = payload.length;
    }
    return headers;
  }

  private async send(method: string, url: URL, options: RequestOptions): Promise<ApiResponse> {
    const payload =
      options.body ?? (options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json)));
    let target = url;
    for (let hop = 0; ; hop++) {
      const response = await this.once(method, target, options, payload);
      const location = response.headers.location;
      const redirected = [301, 302, 307, 308].includes(response.status) && location !== undefined;
      if (!redirected || this.settings.disableRedirects) return response;
      if (hop >= redirectLimit) throw new TransportError(method, target.href, new Error("too many redirects"));
      target = new URL(location, target);
    }
  }

  private async once(
    method: string,
    url: URL,
    options: RequestOptions,
    payload: Buffer | undefined,
  ): Promise<ApiResponse> {
    const secure = url.protocol === "https:";
    const requestOptions: https.RequestOptions = {
      ...(secure ? await this.tlsOptions() : {}),
      method,
      headers: this.headers(options, payload),
      timeout: this.settings.timeoutMs,
      // One connection per request: a CLI run makes few calls, and a pooled
      // keep-alive socket must not hold the process open after the last one.
      agent: false,
    };
    return new Promise<ApiResponse>((resolve, reject) => {
      const request = (secure ? https : http).request(url, requestOptions, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (error) => reject(new TransportError(method, url.href, error)));
        response.on("end", () =>
          resolve({
            method,
            url: url.href,
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
      });
      request.on("timeout", () => request.destroy(new Error(`timed out after ${this.settings.timeoutMs} ms`)));
      request.on("error", (error) => reject(new TransportError(method, url.href, error)));
      request.end(payload);
    });
  }
}
