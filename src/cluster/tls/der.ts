/**
 * The little DER (ASN.1 distinguished encoding) a self-signed X.509
 * certificate needs: definite lengths, a few universal types, explicit
 * context tags. Encoding only; parsing is left to node:crypto's X509Certificate.
 */

export type Der = Uint8Array;

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
}

export function tlv(tag: number, content: Uint8Array): Der {
  return Buffer.concat([Buffer.from([tag, ...lengthBytes(content.byteLength)]), content]);
}

export function sequence(...items: Der[]): Der {
  return tlv(0x30, Buffer.concat(items));
}

export function set(...items: Der[]): Der {
  return tlv(0x31, Buffer.concat(items));
}

/** A non-negative integer given as big-endian bytes (a leading zero is added when the top bit is set). */
export function unsignedInteger(bytes: Uint8Array): Der {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const needsPad = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return tlv(0x02, needsPad ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function smallInteger(value: number): Der {
  return unsignedInteger(Buffer.from([value]));
}

export function boolean(value: boolean): Der {
  return tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
}

export function objectIdentifier(dotted: string): Der {
  const parts = dotted.split(".").map(Number);
  const [first = 0, second = 0, ...rest] = parts;
  const bytes = [first * 40 + second];
  for (const part of rest) {
    const chunk: number[] = [];
    for (let value = part; ; value = Math.floor(value / 128)) {
      chunk.unshift((value % 128) | (chunk.length ? 0x80 : 0));
      if (value < 128) break;
    }
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

export function utf8String(text: string): Der {
  return tlv(0x0c, Buffer.from(text, "utf8"));
}

export function octetString(content: Uint8Array): Der {
  return tlv(0x04, content);
}

/** A BIT STRING of whole bytes (no unused bits), e.g. a signature. */
export function bitString(content: Uint8Array, unusedBits = 0): Der {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));
}

/** `[n] EXPLICIT` wrapping of a constructed value. */
export function explicit(tagNumber: number, content: Der): Der {
  return tlv(0xa0 | tagNumber, content);
}

/** X.509 Time: UTCTime before 2050, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5). */
export function time(date: Date): Der {
  const iso = date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  if (date.getUTCFullYear() < 2050) return tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, "ascii"));
  return tlv(0x18, Buffer.from(`${iso}Z`, "ascii"));
}
