/**
 * A socket as the HTTP server sees it, with incoming bytes passed through
 * the LIST rewriter. Node documents that any Duplex may be handed to an HTTP
 * server's 'connection' event; this one forwards writes, flow control,
 * timeouts and the address and TLS properties the server and our handler
 * read from `request.socket`.
 */

import type { Socket } from "node:net";
import { Duplex } from "node:stream";
import type { PeerCertificate, TLSSocket } from "node:tls";
import { ListMethodRewriter } from "./list-rewrite.js";

export class RewritingSocket extends Duplex {
  readonly #inner: Socket;
  readonly #rewriter = new ListMethodRewriter();

  constructor(inner: Socket) {
    super({ allowHalfOpen: false });
    this.#inner = inner;
    inner.on("data", (chunk: Buffer) => {
      const bytes = this.#rewriter.push(chunk);
      if (bytes.length > 0 && !this.push(bytes)) inner.pause();
    });
    inner.on("end", () => this.push(null));
    inner.on("error", (error) => this.destroy(error));
    inner.on("close", () => this.destroy());
    inner.on("timeout", () => this.emit("timeout"));
    inner.on("drain", () => this.emit("drain"));
  }

  override _read(): void {
    this.#inner.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#inner.write(chunk, encoding, callback);
  }

  /** Several queued chunks (the HTTP server corks headers and body together) leave as one write. */
  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.#inner.write(Buffer.concat(chunks.map(({ chunk }) => chunk)), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#inner.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#inner.destroy(error ?? undefined);
    callback(error);
  }

  get remoteAddress(): string | undefined {
    return this.#inner.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.#inner.remotePort;
  }

  get remoteFamily(): string | undefined {
    return this.#inner.remoteFamily;
  }

  get localAddress(): string | undefined {
    return this.#inner.localAddress;
  }

  get localPort(): number | undefined {
    return this.#inner.localPort;
  }

  get encrypted(): boolean {
    return (this.#inner as Partial<TLSSocket>).encrypted === true;
  }

  get authorized(): boolean {
    return (this.#inner as Partial<TLSSocket>).authorized === true;
  }

  getPeerCertificate(detailed?: boolean): PeerCertificate | undefined {
    const tls = this.#inner as Partial<TLSSocket>;
    return tls.getPeerCertificate ? tls.getPeerCertificate(detailed === true) : undefined;
  }

  setTimeout(timeoutMs: number, callback?: () => void): this {
    this.#inner.setTimeout(timeoutMs);
    if (callback) this.once("timeout", callback);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.#inner.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, initialDelayMs?: number): this {
    this.#inner.setKeepAlive(enable, initialDelayMs);
    return this;
  }

  ref(): this {
    this.#inner.ref();
    return this;
  }

  unref(): this {
    this.#inner.unref();
    return this;
  }
}
