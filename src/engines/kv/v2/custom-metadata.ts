/**
 * custom_metadata: user key-value pairs on a secret, bounded as Vault bounds
 * them (at most 64 keys, keys 1..128 bytes, values 1..512 bytes, printable
 * characters only) with Vault's error texts.
 */
import { invalidRequest } from "../../../lib/index.js";

export const customMetadataKeysMax = 64;
export const customMetadataKeyBytesMax = 128;
export const customMetadataValueBytesMax = 512;
const errorPrefix = "custom_metadata validation failed";

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const printablePattern = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

/**
 * Turns request input into string pairs (numbers and bools weakly, as Vault);
 * with `skipNulls` (PATCH), null values are left out: they delete keys.
 */
export function parseCustomMetadata(raw: Record<string, unknown>, skipNulls: boolean): Record<string, string> {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(raw)) {
    if (value === null && skipNulls) continue;
    if (value === null) pairs.push([key, ""]);
    else if (typeof value === "string") pairs.push([key, value]);
    else if (typeof value === "number" && Number.isFinite(value)) pairs.push([key, String(value)]);
    else if (typeof value === "boolean") pairs.push([key, value ? "1" : "0"]);
    else throw invalidRequest(`${errorPrefix}: value for key ${JSON.stringify(key)} must be a string`);
  }
  return Object.fromEntries(pairs);
}

/** Throws Vault's 400 listing every problem, or returns when the pairs are acceptable. */
export function validateCustomMetadata(pairs: Record<string, string>): void {
  const count = Object.keys(pairs).length;
  if (count > customMetadataKeysMax) {
    throw invalidRequest(
      `${errorPrefix}: payload must contain at most ${customMetadataKeysMax} keys, provided ${count}`,
    );
  }
  const problems: string[] = [];
  for (const key of Object.keys(pairs).sort()) {
    const value = pairs[key] as string;
    const quoted = JSON.stringify(key);
    const keyBytes = Buffer.byteLength(key);
    if (keyBytes === 0 || keyBytes > customMetadataKeyBytesMax) {
      problems.push(
        `${errorPrefix}: length of key ${quoted} is ${keyBytes} but must be 0 < len(key) <= ${customMetadataKeyBytesMax}`,
      );
    }
    const valueBytes = Buffer.byteLength(value);
    if (valueBytes === 0 || valueBytes > customMetadataValueBytesMax) {
      problems.push(
        `${errorPrefix}: length of value for key ${quoted} is ${valueBytes} but must be 0 < len(value) <= ${customMetadataValueBytesMax}`,
      );
    }
    if (!printablePattern.test(key))
      problems.push(`${errorPrefix}: key ${quoted} (${key}) contains unprintable characters`);
    if (!printablePattern.test(value))
      problems.push(`${errorPrefix}: value for key ${quoted} contains unprintable characters`);
  }
  if (problems.length > 0) throw invalidRequest(multiErrorText(problems));
}

/** go-multierror's rendering, which Vault returns verbatim. */
function multiErrorText(problems: readonly string[]): string {
  const heading = problems.length === 1 ? "1 error occurred:" : `${problems.length} errors occurred:`;
  return `${heading}\n${problems.map((problem) => `\t* ${problem}`).join("\n")}\n\n`;
}
