/**
 * Node's HTTP parser (llhttp) refuses methods it does not know, and Vault's
 * `LIST` is one of them; yet the Go client, the vault CLI, hvac and
 * node-vault all send `LIST`. So every connection's bytes pass through this
 * rewriter before the parser: it follows HTTP/1.1 request framing (request
 * line, headers, Content-Length or chunked body; RFC 9112 §6) and turns
 * `LIST /v1/path?q HTTP/1.1` into `GET /v1/path?q&list=true HTTP/1.1`, which
 * Vault itself treats as the same request. Everything else passes unchanged.
 *
 * On input it cannot frame (an over-long line, a bad chunk size) it stops
 * rewriting and passes bytes through untouched: the real parser then rejects
 * them exactly as it would have.
 */

const lineBytesMax = 64 * 1024;
const headerBlockBytesMax = 1024 * 1024;
const crlf = Buffer.from("\r\n");

type State =
  | { kind: "requestLine" }
  | { kind: "headers"; contentLength: number; chunked: boolean; blockBytes: number }
  | { kind: "body"; remaining: number }
  | { kind: "chunkSize" }
  | { kind: "chunkData"; remaining: number }
  | { kind: "chunkEnd"; remaining: number }
  | { kind: "trailers" }
  | { kind: "passThrough" };

export function rewriteListRequestLine(line: string): string {
  const match = /^LIST (\S+) (HTTP\/\d\.\d)$/.exec(line);
  if (!match) return line;
  const target = match[1] as string;
  const separator = target.includes("?") ? "&" : "?";
  return `GET ${target}${separator}list=true ${match[2]}`;
}

export class ListMethodRewriter {
  #state: State = { kind: "requestLine" };
  /** Bytes of a line not yet complete. */
  #pending: Buffer = Buffer.alloc(0);

  /** Feeds bytes from the socket; returns the bytes to hand to the HTTP parser. */
  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let input = chunk;
    while (input.length > 0) input = this.#step(input, out);
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }

  #step(input: Buffer, out: Buffer[]): Buffer {
    const state = this.#state;
    switch (state.kind) {
      case "passThrough":
        out.push(input);
        return Buffer.alloc(0);
      case "body":
      case "chunkData":
      case "chunkEnd": {
        const take = Math.min(state.remaining, input.length);
        out.push(input.subarray(0, take));
        state.remaining -= take;
        if (state.remaining === 0) {
          this.#state =
            state.kind === "body"
              ? { kind: "requestLine" }
              : state.kind === "chunkData"
                ? { kind: "chunkEnd", remaining: 2 }
                : { kind: "chunkSize" };
        }
        return input.subarray(take);
      }
      default:
        return this.#lineStep(input, out);
    }
  }

  /** Collects one CRLF-terminated line, then acts on it according to the state. */
  #lineStep(input: Buffer, out: Buffer[]): Buffer {
    const joined = this.#pending.length ? Buffer.concat([this.#pending, input]) : input;
    const end = joined.indexOf(crlf);
    if (end === -1) {
      if (joined.length > lineBytesMax) return this.#giveUp(joined, out);
      this.#pending = Buffer.from(joined);
      return Buffer.alloc(0);
    }
    this.#pending = Buffer.alloc(0);
    const line = joined.subarray(0, end);
    const rest = joined.subarray(end + 2);
    this.#onLine(line, out);
    return rest;
  }

  #onLine(line: Buffer, out: Buffer[]): void {
    const state = this.#state;
    switch (state.kind) {
      case "requestLine": {
        // Empty lines before a request line are allowed (RFC 9112 §2.2).
        if (line.length === 0) {
          out.push(crlf);
          return;
        }
        out.push(Buffer.from(`${rewriteListRequestLine(line.toString("latin1"))}\r\n`, "latin1"));
        this.#state = { kind: "headers", contentLength: 0, chunked: false, blockBytes: 0 };
        return;
      }
      case "headers": {
        out.push(line, crlf);
        if (line.length === 0) {
          this.#state = state.chunked
            ? { kind: "chunkSize" }
            : state.contentLength > 0
              ? { kind: "body", remaining: state.contentLength }
              : { kind: "requestLine" };
          return;
        }
        state.blockBytes += line.length + 2;
        if (state.blockBytes > headerBlockBytesMax) {
          this.#state = { kind: "passThrough" };
          return;
        }
        this.#readHeader(line.toString("latin1"), state);
        return;
      }
      case "chunkSize": {
        out.push(line, crlf);
        const size = Number.parseInt(line.toString("latin1").split(";")[0]?.trim() ?? "", 16);
        if (!Number.isSafeInteger(size) || size < 0) this.#state = { kind: "passThrough" };
        else this.#state = size === 0 ? { kind: "trailers" } : { kind: "chunkData", remaining: size };
        return;
      }
      case "trailers":
        out.push(line, crlf);
        if (line.length === 0) this.#state = { kind: "requestLine" };
        return;
      default:
        out.push(line, crlf);
    }
  }

  #readHeader(line: string, state: { contentLength: number; chunked: boolean }): void {
    const colon = line.indexOf(":");
    if (colon === -1) return;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-length") {
      const length = Number(value);
      if (!Number.isSafeInteger(length) || length < 0) this.#state = { kind: "passThrough" };
      else state.contentLength = length;
    } else if (
      name === "transfer-encoding" &&
      value
        .toLowerCase()
        .split(",")
        .some((coding) => coding.trim() === "chunked")
    ) {
      state.chunked = true;
    }
  }

  #giveUp(bytes: Buffer, out: Buffer[]): Buffer {
    this.#pending = Buffer.alloc(0);
    this.#state = { kind: "passThrough" };
    out.push(bytes);
    return Buffer.alloc(0);
  }
}
