/** Identifiers: request ids, mount accessors, token-like random strings. */
import { randomBytes, randomUUID } from "node:crypto";

const base62Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function newUuid(): string {
  return randomUUID();
}

/**
 * A uniformly random base62 string from the CSPRNG. Rejection sampling keeps
 * it unbiased: bytes >= 248 (the largest multiple of 62 below 256) are dropped.
 */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= 248) continue;
      out += base62Alphabet[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Vault's mount accessor shape: `<type>_<8 hex chars>` (e.g. `kv_1a2b3c4d`). */
export function newAccessor(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString("hex")}`;
}
