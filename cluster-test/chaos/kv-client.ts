/**
 * KV v2 calls with honest outcomes, for the chaos workload. The rule: an
 * operation is `failed` only when it certainly did not apply, `unknown`
 * whenever it may have.
 *
 * - connection refused: nothing was sent -> failed.
 * - a timeout, a reset or closed connection, any other network error: the
 *   request may have reached the active -> unknown.
 * - 4xx: refused before applying (validation, permission) -> failed; except
 *   the cas mismatch, which is an `ok` observation (applied: false).
 * - 5xx: a standby may have forwarded it, an active may have proposed it
 *   before losing leadership -> unknown (also for 503).
 * - reads: anything but 200/404 tells nothing; the checker ignores failed
 *   and unknown reads alike.
 */
import type { Call, Outcome } from "../linearizability/index.js";

export interface KvTarget {
  readonly url: string;
  readonly token: string;
  readonly mount: string;
  readonly timeoutMs: number;
}

/** The outcome, plus a short category for the report's "errors by kind". */
export interface Answer {
  readonly outcome: Outcome;
  readonly category: string;
}

const casMismatch = "check-and-set parameter did not match the current version";

export async function perform(target: KvTarget, key: string, call: Call): Promise<Answer> {
  const url = `${target.url}/v1/${target.mount}/data/${key}`;
  const init: RequestInit = {
    method: call.kind === "read" ? "GET" : "POST",
    headers: { "X-Vault-Token": target.token },
    signal: AbortSignal.timeout(target.timeoutMs),
  };
  if (call.kind === "write") init.body = JSON.stringify({ data: { value: call.value } });
  if (call.kind === "cas")
    init.body = JSON.stringify({ options: { cas: call.expectedVersion }, data: { value: call.value } });
  let status: number;
  let text: string;
  try {
    const response = await fetch(url, init);
    status = response.status;
    text = await response.text();
  } catch (error) {
    return networkFailure(error);
  }
  return classify(call, status, text);
}

/** Maps an HTTP answer to an outcome (exported for the unit test). */
export function classify(call: Call, status: number, text: string): Answer {
  const body = parse(text);
  if (status === 200) return success(call, body);
  if (call.kind === "read" && status === 404) {
    return { outcome: { status: "ok", result: { kind: "read", version: 0, value: null } }, category: "ok" };
  }
  const message = firstError(body);
  if (call.kind === "cas" && status === 400 && message.includes(casMismatch)) {
    return { outcome: { status: "ok", result: { kind: "cas", applied: false } }, category: "cas refused" };
  }
  const category = `http ${status}${message ? `: ${truncate(message)}` : ""}`;
  if (status >= 400 && status < 500) return { outcome: { status: "failed", reason: category }, category };
  return { outcome: { status: "unknown", reason: category }, category };
}

function success(call: Call, body: Record<string, unknown>): Answer {
  const data = (body.data ?? {}) as Record<string, unknown>;
  if (call.kind === "read") {
    const metadata = (data.metadata ?? {}) as Record<string, unknown>;
    const stored = (data.data ?? {}) as Record<string, unknown>;
    const version = Number(metadata.version);
    const value = typeof stored.value === "string" ? stored.value : null;
    if (!Number.isSafeInteger(version) || version < 1 || value === null) return malformed(body);
    return { outcome: { status: "ok", result: { kind: "read", version, value } }, category: "ok" };
  }
  const version = Number(data.version);
  if (!Number.isSafeInteger(version) || version < 1) return malformed(body);
  const result =
    call.kind === "write"
      ? { kind: "write" as const, version }
      : { kind: "cas" as const, applied: true as const, version };
  return { outcome: { status: "ok", result }, category: "ok" };
}

/** A 200 we cannot read: it may have applied; counted apart so it is seen. */
function malformed(body: Record<string, unknown>): Answer {
  const reason = `malformed 200: ${truncate(JSON.stringify(body))}`;
  return { outcome: { status: "unknown", reason }, category: "malformed 200" };
}

function networkFailure(error: unknown): Answer {
  const name = (error as { name?: string }).name;
  if (name === "TimeoutError" || name === "AbortError") {
    return { outcome: { status: "unknown", reason: "timeout" }, category: "timeout" };
  }
  const code = causeCode(error);
  if (code === "ECONNREFUSED")
    return { outcome: { status: "failed", reason: "connection refused" }, category: "refused" };
  const category = code ? `network ${code}` : "network error";
  return { outcome: { status: "unknown", reason: category }, category };
}

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = current.cause;
  }
  return undefined;
}

function parse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function firstError(body: Record<string, unknown>): string {
  const errors = body.errors;
  return Array.isArray(errors) && typeof errors[0] === "string" ? errors[0] : "";
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** GET/POST helper for setup and verification (JSON in and out). */
export async function kvApi(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}/v1/${path}`, {
    method,
    headers: { "X-Vault-Token": token },
    signal: AbortSignal.timeout(timeoutMs),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: parse(await response.text()) };
}
