/**
 * The barrier's ciphertext format, one layout for every encrypted value:
 *
 *   [0..4)   key term, uint32 big endian (0 = not a keyring term: a blob keyed
 *            directly by the root key or by the seal's unseal key)
 *   [4]      format version (2: AES-256-GCM with the storage path as AAD)
 *   [5..17)  random 96-bit nonce
 *   [17..)   GCM ciphertext followed by the 16-byte tag
 *
 * The additional authenticated data is the 5-byte term+version header followed
 * by the UTF-8 path. The path is authenticated, not stored, so a value copied
 * to another path fails; and since the nonce feeds GCM and the header is in
 * the AAD, altering any byte of a stored value fails authentication too.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { CofferError } from "../lib/index.js";

export const keyBytes = 32;
const termBytes = 4;
const versionBytes = 1;
const nonceBytes = 12;
const tagBytes = 16;
const headerBytes = termBytes + versionBytes + nonceBytes;
/** What encryption adds to every value. */
export const envelopeOverheadBytes = headerBytes + tagBytes;
/** Largest term the 4-byte header can carry. */
export const termMax = 0xffff_ffff;
/** The only version written and read (Vault's AESGCMVersion2 also binds the path). */
export const envelopeVersion = 2;
/** The term written in blobs that are keyed directly (keyring under the root key, root key under the unseal key). */
export const directKeyTerm = 0;

export type DecryptFailure = "truncated" | "unsupported_version" | "unknown_term" | "authentication_failed";

const failureMessages: Record<DecryptFailure, string> = {
  truncated: "the stored value is too short to be barrier ciphertext",
  unsupported_version: "the stored value has an unsupported barrier format version",
  unknown_term: "the stored value is encrypted under a key term this keyring does not hold",
  authentication_failed:
    "message authentication failed: the value was altered, moved from another path, or encrypted under another key",
};

/**
 * A stored value that cannot be opened. A 500: the client did nothing wrong,
 * storage is damaged or tampered with. The path is kept for the log, not put
 * in the message, so the client learns nothing of the physical layout.
 */
export class BarrierDecryptError extends CofferError {
  readonly reason: DecryptFailure;
  readonly storagePath: string;

  constructor(reason: DecryptFailure, storagePath: string, options: { cause?: unknown } = {}) {
    super("internal", `failed to decrypt stored value: ${failureMessages[reason]}`, options);
    this.reason = reason;
    this.storagePath = storagePath;
  }
}

export function isBarrierDecryptError(error: unknown): error is BarrierDecryptError {
  return error instanceof BarrierDecryptError;
}

export interface EncryptInput {
  readonly key: Uint8Array;
  readonly term: number;
  /** The storage path the value is written at; bound as additional authenticated data. */
  readonly path: string;
  readonly plaintext: Uint8Array;
}

export function encryptValue(input: EncryptInput): Uint8Array {
  checkKeyLength(input.key);
  checkTerm(input.term);
  const header = Buffer.alloc(headerBytes);
  header.writeUInt32BE(input.term, 0);
  header.writeUInt8(envelopeVersion, termBytes);
  randomBytes(nonceBytes).copy(header, termBytes + versionBytes);
  const cipher = createCipheriv("aes-256-gcm", input.key, header.subarray(termBytes + versionBytes), {
    authTagLength: tagBytes,
  });
  cipher.setAAD(additionalData(header, input.path));
  const body = cipher.update(input.plaintext);
  const final = cipher.final();
  const out = new Uint8Array(headerBytes + body.length + final.length + tagBytes);
  out.set(header, 0);
  out.set(body, headerBytes);
  out.set(final, headerBytes + body.length);
  out.set(cipher.getAuthTag(), headerBytes + body.length + final.length);
  return out;
}

/** The key term in a value's header; throws BarrierDecryptError when the value is too short to have one. */
export function readTerm(ciphertext: Uint8Array, path: string): number {
  if (ciphertext.byteLength < envelopeOverheadBytes) throw new BarrierDecryptError("truncated", path);
  return Buffer.from(ciphertext.buffer, ciphertext.byteOffset, termBytes).readUInt32BE(0);
}

export interface DecryptInput {
  readonly key: Uint8Array;
  readonly path: string;
  readonly ciphertext: Uint8Array;
}

/**
 * Opens a value written by `encryptValue` with the same key and path. Any
 * failure (wrong key or key length, other path, altered byte) is a
 * BarrierDecryptError, never a crash. The returned buffer is the caller's.
 */
export function decryptValue(input: DecryptInput): Buffer {
  const { ciphertext, path } = input;
  readTerm(ciphertext, path);
  const bytes = Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength);
  if (bytes.readUInt8(termBytes) !== envelopeVersion) throw new BarrierDecryptError("unsupported_version", path);
  if (input.key.byteLength !== keyBytes) throw new BarrierDecryptError("authentication_failed", path);
  const nonce = bytes.subarray(termBytes + versionBytes, headerBytes);
  const tagStart = bytes.byteLength - tagBytes;
  try {
    const decipher = createDecipheriv("aes-256-gcm", input.key, nonce, { authTagLength: tagBytes });
    decipher.setAAD(additionalData(bytes, path));
    decipher.setAuthTag(bytes.subarray(tagStart));
    const body = decipher.update(bytes.subarray(headerBytes, tagStart));
    const final = decipher.final();
    return final.length === 0 ? body : Buffer.concat([body, final]);
  } catch (error) {
    throw new BarrierDecryptError("authentication_failed", path, { cause: error });
  }
}

function additionalData(headerStart: Buffer, path: string): Buffer {
  return Buffer.concat([headerStart.subarray(0, termBytes + versionBytes), Buffer.from(path, "utf8")]);
}

function checkKeyLength(key: Uint8Array): void {
  if (key.byteLength !== keyBytes) throw new CofferError("internal", `encryption key must be ${keyBytes} bytes`);
}

function checkTerm(term: number): void {
  if (!Number.isSafeInteger(term) || term < 0 || term > termMax) {
    throw new CofferError("internal", `key term out of range: ${term}`);
  }
}
