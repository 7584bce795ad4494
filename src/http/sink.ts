/**
 * Where the handler writes its answer. A socket's ServerResponse is one; a
 * BufferSink is the other, for a request a standby forwarded: the active runs
 * it through the same handler and ships the captured status, headers (names
 * as written, repeated names kept) and body back, so the standby's client
 * gets exactly what the active would have sent it.
 */
import type { OutgoingHttpHeaders } from "node:http";

export interface ResponseSink {
  readonly headersSent: boolean;
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
  end(body?: Uint8Array | string): unknown;
}

export interface CapturedResponse {
  readonly statusCode: number;
  /** [name, value] in the order written. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Uint8Array;
}

export class BufferSink implements ResponseSink {
  #status = 0;
  #headers: Array<readonly [string, string]> = [];
  #body: Uint8Array = new Uint8Array();
  #ended = false;

  get headersSent(): boolean {
    return this.#status !== 0;
  }

  writeHead(status: number, headers: OutgoingHttpHeaders = {}): void {
    this.#status = status;
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) this.#headers.push([name, String(item)]);
    }
  }

  end(body?: Uint8Array | string): void {
    if (this.#ended) return;
    this.#ended = true;
    if (body !== undefined) this.#body = typeof body === "string" ? Buffer.from(body) : body;
  }

  captured(): CapturedResponse {
    return { statusCode: this.#status === 0 ? 500 : this.#status, headers: this.#headers, body: this.#body };
  }
}

/** Header pairs -> the object writeHead takes (repeated names become arrays, name casing kept). */
export function headerObject(pairs: ReadonlyArray<readonly [string, string]>): OutgoingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else headers[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return headers;
}
