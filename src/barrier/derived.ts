/**
 * Encryption under a key derived from the root key (HKDF-SHA256 with a
 * purpose label), for proofs that a node holds the root key without ever
 * sending it: the Raft join challenge. A different `purpose` gives an
 * unrelated key, so these blobs can never be confused with barrier values.
 */
import { hkdfSync } from "node:crypto";
import { decryptValue, directKeyTerm, encryptValue, keyBytes } from "./envelope.js";

function derive(rootKey: Uint8Array, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", rootKey, Buffer.alloc(0), purpose, keyBytes));
}

/** AES-256-GCM under HKDF(rootKey, purpose), with `aad` bound as additional data. */
export function encryptWithDerivedKey(
  rootKey: Uint8Array,
  purpose: string,
  aad: string,
  plaintext: Uint8Array,
): Uint8Array {
  const key = derive(rootKey, purpose);
  try {
    return encryptValue({ key, term: directKeyTerm, path: aad, plaintext });
  } finally {
    key.fill(0);
  }
}

/** Opens what `encryptWithDerivedKey` made; any mismatch is a BarrierDecryptError. */
export function decryptWithDerivedKey(
  rootKey: Uint8Array,
  purpose: string,
  aad: string,
  ciphertext: Uint8Array,
): Buffer {
  const key = derive(rootKey, purpose);
  try {
    return decryptValue({ key, path: aad, ciphertext });
  } finally {
    key.fill(0);
  }
}
