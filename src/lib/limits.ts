/**
 * Every bound Coffer enforces, in one place, with the relations between them
 * asserted at load. A limit lives here as soon as two modules need to agree on it.
 */
import { assert } from "./assert.js";

const mebibyte = 1024 * 1024;

export const limits = {
  /** Vault's DefaultMaxRequestSize; per-listener `max_request_size` overrides it. */
  requestBodyBytesMax: 32 * mebibyte,
  /** Time allowed for a client to send its request headers. */
  requestHeadersTimeoutMs: 10_000,
  /** Time allowed for a client to send its whole request (Vault: default_max_request_duration 90s). */
  requestTimeoutMs: 90_000,
  /** Largest physical key, in bytes; longer keys are refused before reaching storage. */
  storageKeyBytesMax: 4096,
  /** Largest physical value; a Raft entry must be able to carry one. */
  storageValueBytesMax: 16 * mebibyte,
  /** Largest number of operations in one physical transaction. */
  transactionOpsMax: 1024,
  /** Largest encoded Raft entry (one physical transaction); a bigger proposal is refused, never replicated. */
  raftEntryBytesMax: 24 * mebibyte,
  /** Size of the chunks a Raft snapshot is streamed in (InstallSnapshot, snapshot files). */
  snapshotChunkBytes: 1 * mebibyte,
} as const;

assert(limits.storageValueBytesMax <= limits.requestBodyBytesMax, "a stored value must fit in a request");
assert(
  limits.storageValueBytesMax + limits.storageKeyBytesMax < limits.raftEntryBytesMax,
  "one put must fit in a raft entry",
);
assert(limits.snapshotChunkBytes <= limits.raftEntryBytesMax, "a snapshot chunk is no bigger than an entry");
assert(limits.requestHeadersTimeoutMs < limits.requestTimeoutMs, "header timeout must be below request timeout");
