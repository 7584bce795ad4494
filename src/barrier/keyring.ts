/**
 * The barrier keyring: one AES-256 key per term, the highest term active for
 * new writes, every older term kept so old values still open.
 *
 * A Keyring is an immutable snapshot except for the per-term encryption
 * counters. Rotation builds a new snapshot that shares the older TermKey
 * objects (and their key buffers) with the previous one; so `wipe()` on any
 * snapshot zeroes the shared keys too, and is only called when every
 * snapshot that shares them is being discarded (seal, reload).
 *
 * Stored form (before encryption under the root key), binary so the keys
 * never pass through immutable JS strings that could not be wiped:
 *   "CFKR" | format u8 = 1 | active term u32 | count u32 |
 *   count x (term u32 | install time ms u64 | encryptions u64 | key 32 bytes)
 * Terms are strictly increasing; the active term is the last one.
 */
import { CofferError } from "../lib/index.js";
import { keyBytes, termMax } from "./envelope.js";

export interface TermKey {
  readonly term: number;
  /** Owned by the keyring; zeroed by `wipe()`. */
  readonly key: Buffer;
  readonly installTimeMs: number;
  /** Values encrypted under this term (persisted at the last keyring write, counted in memory since). */
  encryptions: number;
}

const magic = Buffer.from("CFKR", "latin1");
const formatVersion = 1;
const prefixBytes = magic.length + 1 + 4 + 4;
const entryBytes = 4 + 8 + 8 + keyBytes;

export class Keyring {
  readonly #terms: readonly TermKey[];

  private constructor(terms: readonly TermKey[]) {
    this.#terms = terms;
  }

  /** A keyring holding term 1 only. Takes a copy of `key`. */
  static create(key: Uint8Array, installTimeMs: number): Keyring {
    return new Keyring([newTermKey(1, key, installTimeMs)]);
  }

  /** A new snapshot with one more term, active from now on. Takes a copy of `key`; shares the older terms. */
  withNewTerm(key: Uint8Array, installTimeMs: number): Keyring {
    const term = this.activeTerm + 1;
    if (term > termMax) throw new CofferError("internal", "the keyring has used every key term");
    return new Keyring([...this.#terms, newTermKey(term, key, installTimeMs)]);
  }

  get active(): TermKey {
    return this.#terms[this.#terms.length - 1] as TermKey;
  }

  get activeTerm(): number {
    return this.active.term;
  }

  termKey(term: number): TermKey | undefined {
    // Terms are dense from the oldest kept one, but search anyway: it stays correct if terms are ever pruned.
    return this.#terms.find((candidate) => candidate.term === term);
  }

  get terms(): readonly TermKey[] {
    return this.#terms;
  }

  /** Carries over in-memory encryption counts from `previous` where they are higher than the stored ones. */
  keepCountsOf(previous: Keyring): void {
    for (const termKey of this.#terms) {
      const before = previous.termKey(termKey.term);
      if (before !== undefined && before.encryptions > termKey.encryptions) termKey.encryptions = before.encryptions;
    }
  }

  /** Zeroes every key buffer of this snapshot (see the note on sharing above). */
  wipe(): void {
    for (const termKey of this.#terms) termKey.key.fill(0);
  }

  /** The stored form; the caller zeroes it once encrypted. */
  encode(): Buffer {
    const out = Buffer.alloc(prefixBytes + entryBytes * this.#terms.length);
    magic.copy(out, 0);
    out.writeUInt8(formatVersion, magic.length);
    out.writeUInt32BE(this.activeTerm, magic.length + 1);
    out.writeUInt32BE(this.#terms.length, magic.length + 5);
    this.#terms.forEach((termKey, index) => {
      const at = prefixBytes + index * entryBytes;
      out.writeUInt32BE(termKey.term, at);
      out.writeBigUInt64BE(BigInt(termKey.installTimeMs), at + 4);
      out.writeBigUInt64BE(BigInt(termKey.encryptions), at + 12);
      termKey.key.copy(out, at + 20);
    });
    return out;
  }

  /** Parses the stored form; every inconsistency is a typed internal error. Copies the keys out of `bytes`. */
  static decode(bytes: Buffer): Keyring {
    if (bytes.length < prefixBytes || !bytes.subarray(0, magic.length).equals(magic)) corrupt("bad header");
    if (bytes.readUInt8(magic.length) !== formatVersion) corrupt("unsupported format version");
    const activeTerm = bytes.readUInt32BE(magic.length + 1);
    const count = bytes.readUInt32BE(magic.length + 5);
    if (count === 0 || bytes.length !== prefixBytes + count * entryBytes) corrupt("bad length");
    const terms: TermKey[] = [];
    try {
      for (let index = 0; index < count; index++) terms.push(decodeEntry(bytes, index, terms[terms.length - 1]));
      if (terms[terms.length - 1]?.term !== activeTerm) corrupt("active term is not the newest");
    } catch (error) {
      for (const termKey of terms) termKey.key.fill(0);
      throw error;
    }
    return new Keyring(terms);
  }
}

function decodeEntry(bytes: Buffer, index: number, previous: TermKey | undefined): TermKey {
  const at = prefixBytes + index * entryBytes;
  const term = bytes.readUInt32BE(at);
  if (term < 1 || (previous !== undefined && term <= previous.term)) corrupt("terms out of order");
  const installTimeMs = readSafe(bytes, at + 4);
  const encryptions = readSafe(bytes, at + 12);
  const termKey = newTermKey(term, bytes.subarray(at + 20, at + 20 + keyBytes), installTimeMs);
  termKey.encryptions = encryptions;
  return termKey;
}

function newTermKey(term: number, key: Uint8Array, installTimeMs: number): TermKey {
  if (key.byteLength !== keyBytes) throw new CofferError("internal", `a keyring key must be ${keyBytes} bytes`);
  const owned = Buffer.alloc(keyBytes);
  owned.set(key);
  return { term, key: owned, installTimeMs, encryptions: 0 };
}

function readSafe(bytes: Buffer, at: number): number {
  const value = bytes.readBigUInt64BE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) corrupt("counter out of range");
  return Number(value);
}

function corrupt(detail: string): never {
  throw new CofferError("internal", `the stored keyring is corrupt: ${detail}`);
}
