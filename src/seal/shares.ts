/**
 * Unseal key shares: splitting and combining with the audited
 * shamir-secret-sharing package, and decoding what an operator types.
 *
 * The package (0.0.4) has two traps handled here: it checks
 * `value.constructor === Uint8Array`, so a Node Buffer is refused and every
 * input is copied into a plain Uint8Array; and combining fewer or wrong shares
 * silently yields wrong bytes, so the caller must verify the result (the
 * Shamir seal does, by opening the stored root key).
 */

import { combine, split } from "shamir-secret-sharing";
import { CofferError, invalidRequest } from "../lib/index.js";

/** AES-256 unseal key. */
export const unsealKeyBytes = 32;
/** A share is the key plus its x coordinate. */
export const shareOverheadBytes = 1;
/** Vault's bounds on a submitted key: the barrier's smallest AES key, and its largest plus the share byte. */
export const keyShareBytesMin = 16;
export const keyShareBytesMax = unsealKeyBytes + shareOverheadBytes;

/**
 * The shares of `unsealKey`. With one share the share is the key itself (as
 * Vault); otherwise `threshold` of the `shares` rebuild it. Counts must have
 * passed `validateShareCounts`.
 */
export async function splitUnsealKey(unsealKey: Uint8Array, shares: number, threshold: number): Promise<Uint8Array[]> {
  if (shares === 1) return [Uint8Array.from(unsealKey)];
  const secret = Uint8Array.from(unsealKey);
  try {
    return await split(secret, shares, threshold);
  } finally {
    secret.fill(0);
  }
}

/**
 * Rebuilds a key from `parts`. One part is the key itself. Mismatched parts
 * (different lengths, two with one x coordinate) are a 400 invalid key; a
 * wrong but well-formed set gives wrong bytes, which the caller must detect.
 */
export async function combineKeyShares(parts: readonly Uint8Array[]): Promise<Uint8Array> {
  if (parts.length === 1) return Uint8Array.from(parts[0] as Uint8Array);
  const plain = parts.map((part) => Uint8Array.from(part));
  try {
    return await combine(plain);
  } catch (error) {
    throw new CofferError("invalid_request", `invalid key: the key shares do not combine (${errorText(error)})`, {
      cause: error,
    });
  } finally {
    for (const part of plain) part.fill(0);
  }
}

const hexPattern = /^(?:[0-9a-fA-F]{2})*$/;
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A share as typed by an operator: hex when it is valid hex of a plausible
 * key length, else standard base64 (Vault's order, so a base64 string that
 * happens to be hex is still read right).
 */
export function decodeKeyShare(input: string): Uint8Array {
  if (hexPattern.test(input)) {
    const length = input.length / 2;
    if (length >= keyShareBytesMin && length <= keyShareBytesMax) return new Uint8Array(Buffer.from(input, "hex"));
  }
  if (!base64Pattern.test(input)) throw invalidRequest("'key' must be a valid hex or base64 string");
  return new Uint8Array(Buffer.from(input, "base64"));
}

/** Vault's checks on a submitted key's length (`invalid key: ...`, 400). */
export function checkKeyShareLength(part: Uint8Array): void {
  if (part.byteLength < keyShareBytesMin) {
    throw invalidRequest(`invalid key: key is shorter than minimum ${keyShareBytesMin} bytes`);
  }
  if (part.byteLength > keyShareBytesMax) {
    throw invalidRequest(`invalid key: key is longer than maximum ${keyShareBytesMax} bytes`);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
