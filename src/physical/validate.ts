/** Checks every backend applies before touching storage, so all refuse the same input the same way. */
import { CofferError, limits } from "../lib/index.js";
import type { TransactionOp } from "./backend.js";

export function checkKey(key: string): void {
  if (typeof key !== "string" || key.length === 0)
    throw new CofferError("invalid_request", "storage key must be a non-empty string");
  if (Buffer.byteLength(key) > limits.storageKeyBytesMax) {
    throw new CofferError("invalid_request", `storage key exceeds ${limits.storageKeyBytesMax} bytes`);
  }
}

export function checkValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new CofferError("invalid_request", "storage value must be bytes");
  if (value.byteLength > limits.storageValueBytesMax) {
    throw new CofferError("payload_too_large", `storage value exceeds ${limits.storageValueBytesMax} bytes`);
  }
}

export function checkTransaction(ops: readonly TransactionOp[]): void {
  if (ops.length > limits.transactionOpsMax) {
    throw new CofferError("invalid_request", `transaction exceeds ${limits.transactionOpsMax} operations`);
  }
  for (const op of ops) {
    checkKey(op.key);
    if (op.type === "put") checkValue(op.value);
  }
}

/**
 * The child of `prefix` that `key` belongs to: the next path segment, with a
 * trailing `/` when `key` lies deeper. `key` must start with `prefix`.
 */
export function childOf(prefix: string, key: string): string {
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf("/");
  return slash === -1 ? rest : rest.slice(0, slash + 1);
}

export class ClosedError extends CofferError {
  constructor() {
    super("unavailable", "storage backend is closed");
  }
}
