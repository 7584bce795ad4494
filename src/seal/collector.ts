/**
 * The unseal progress of one attempt (Vault's unlockInfo): distinct shares
 * collected so far and the attempt's nonce. In memory only, so a restart
 * starts over at 0, as in Vault. Holds at most `shareCountMax` parts.
 */
import { timingSafeEqual } from "node:crypto";
import { assert, newUuid } from "../lib/index.js";

const shareCountMax = 255;

export class ShareCollector {
  #parts: Uint8Array[] = [];
  #nonce = "";

  get progress(): number {
    return this.#parts.length;
  }

  /** A UUID naming the attempt, from its first share until it completes or is reset; "" when idle. */
  get nonce(): string {
    return this.#nonce;
  }

  /**
   * Takes ownership of `part`. A share already given in this attempt changes
   * nothing and is not an error: Vault ignores the repeat silently (an
   * operator pasting the same key twice just sees the progress unchanged).
   */
  add(part: Uint8Array): void {
    if (this.#parts.some((existing) => sameBytes(existing, part))) {
      part.fill(0);
      return;
    }
    assert(this.#parts.length < shareCountMax, "more shares collected than any threshold allows");
    if (this.#parts.length === 0) this.#nonce = newUuid();
    this.#parts.push(part);
  }

  /** Hands every collected part to the caller (who must zero them) and starts over. */
  take(): Uint8Array[] {
    const parts = this.#parts;
    this.#parts = [];
    this.#nonce = "";
    return parts;
  }

  /** Zeroes and forgets every collected part. */
  reset(): void {
    for (const part of this.take()) part.fill(0);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
