/**
 * Small binary helpers for what the cluster layer stores and streams: log
 * records, hard state, FSM commands, snapshot records. Everything is
 * big-endian; 64-bit values are safe integers written as two 32-bit halves
 * (never BigInt) and refused on read when they would not be safe.
 */
import { CofferError, type CofferErrorOptions, type ErrorCode } from "../lib/index.js";

const twoTo32 = 2 ** 32;

/**
 * Raised when bytes do not decode. `code` says whose fault it is: stored
 * data we wrote ourselves that no longer parses is `internal` (corruption),
 * bytes from a peer or a file are `invalid_request`.
 */
export class DecodeError extends CofferError {
  constructor(code: ErrorCode, message: string, options: CofferErrorOptions = {}) {
    super(code, message, options);
  }
}

/** Grows as needed; `finish()` returns exactly the bytes written. */
export class ByteWriter {
  #buffer: Uint8Array;
  #view: DataView;
  #length = 0;

  constructor(initialBytes = 64) {
    this.#buffer = new Uint8Array(initialBytes);
    this.#view = new DataView(this.#buffer.buffer);
  }

  u8(value: number): this {
    this.#reserve(1);
    this.#view.setUint8(this.#length, value);
    this.#length += 1;
    return this;
  }

  u32(value: number): this {
    this.#reserve(4);
    this.#view.setUint32(this.#length, value);
    this.#length += 4;
    return this;
  }

  u64(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a safe unsigned integer: ${value}`);
    this.#reserve(8);
    this.#view.setUint32(this.#length, Math.floor(value / twoTo32));
    this.#view.setUint32(this.#length + 4, value >>> 0);
    this.#length += 8;
    return this;
  }

  /** Unsigned LEB128, for lengths and counts (one byte below 128). */
  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a safe unsigned integer: ${value}`);
    let rest = value;
    while (rest >= 0x80) {
      this.u8((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    return this.u8(rest);
  }

  raw(bytes: Uint8Array): this {
    this.#reserve(bytes.byteLength);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.byteLength;
    return this;
  }

  /** A varint length followed by the bytes. */
  bytes(bytes: Uint8Array): this {
    return this.varint(bytes.byteLength).raw(bytes);
  }

  get length(): number {
    return this.#length;
  }

  finish(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#buffer.byteLength) return;
    const grown = new Uint8Array(Math.max(needed, this.#buffer.byteLength * 2));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }
}

/** Reads what ByteWriter wrote; every overrun is a DecodeError, never a RangeError. */
export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #what: string;
  readonly #errorCode: ErrorCode;
  #offset = 0;

  /** `what` names the thing decoded in error messages ("log entry 42"). */
  constructor(bytes: Uint8Array, what: string, errorCode: ErrorCode = "internal") {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#what = what;
    this.#errorCode = errorCode;
  }

  u8(): number {
    this.#need(1);
    const value = this.#view.getUint8(this.#offset);
    this.#offset += 1;
    return value;
  }

  u32(): number {
    this.#need(4);
    const value = this.#view.getUint32(this.#offset);
    this.#offset += 4;
    return value;
  }

  u64(): number {
    this.#need(8);
    const high = this.#view.getUint32(this.#offset);
    const low = this.#view.getUint32(this.#offset + 4);
    this.#offset += 8;
    const value = high * twoTo32 + low;
    if (!Number.isSafeInteger(value)) throw this.error("64-bit value out of the safe integer range");
    return value;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let shift = 0; shift < 8; shift++) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (!Number.isSafeInteger(value)) break;
        return value;
      }
      scale *= 0x80;
    }
    throw this.error("varint too long");
  }

  /** A view into the input (no copy): copy it if it must outlive the input. */
  raw(length: number): Uint8Array {
    this.#need(length);
    const value = this.#bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return value;
  }

  bytes(): Uint8Array {
    return this.raw(this.varint());
  }

  get remaining(): number {
    return this.#bytes.byteLength - this.#offset;
  }

  /** Asserts the input is fully consumed: trailing bytes mean a format mismatch. */
  end(): void {
    if (this.remaining !== 0) throw this.error(`${this.remaining} unexpected trailing bytes`);
  }

  error(message: string): DecodeError {
    return new DecodeError(this.#errorCode, `cannot decode ${this.#what}: ${message}`);
  }

  #need(length: number): void {
    if (length > this.remaining) throw this.error("truncated");
  }
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Strict UTF-8 decoding: invalid bytes throw (a TypeError; callers wrap it). */
export function fromUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** Byte-wise comparison, LevelDB's default ordering. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

export function startsWithBytes(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.byteLength < prefix.byteLength) return false;
  for (let i = 0; i < prefix.byteLength; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.byteLength;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
