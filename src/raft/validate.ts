/**
 * Structural checks on a message from the network, before it reaches the
 * core: a peer's bug or a decoding slip becomes a typed error for the
 * driver to log, instead of an assertion deep in the log code. The checks
 * are local (shapes, ranges, entries contiguous after prevLogIndex); whether
 * a message is true is for the protocol to judge.
 */
import { invalidRequest } from "../lib/index.js";
import type { Message } from "./messages.js";
import type { Entry, Snapshot } from "./types.js";

function isIndex(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function entriesProblem(entries: readonly Entry[], prevLogIndex: number, prevLogTerm: number, term: number): string {
  let previousTerm = prevLogTerm;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.index !== prevLogIndex + 1 + i)
      return `entry ${i} has index ${entry.index}, expected ${prevLogIndex + 1 + i}`;
    if (!isIndex(entry.term) || entry.term < previousTerm || entry.term > term)
      return `entry ${entry.index} has term ${entry.term}`;
    if (entry.kind !== "normal" && entry.kind !== "config")
      return `entry ${entry.index} has kind ${String(entry.kind)}`;
    if (!isBytes(entry.data)) return `entry ${entry.index} has no data bytes`;
    previousTerm = entry.term;
  }
  return "";
}

function snapshotProblem(snapshot: Snapshot, term: number): string {
  const { meta } = snapshot;
  if (!isIndex(meta.index) || !isIndex(meta.term) || meta.term > term) return "snapshot metadata out of range";
  if (!Array.isArray(meta.configuration.servers)) return "snapshot without a configuration";
  if (!isBytes(snapshot.data)) return "snapshot without data bytes";
  return "";
}

/** What is wrong with `message`, or "" when it is well formed. */
export function messageProblem(message: Message): string {
  if (typeof message.from !== "string" || message.from === "" || typeof message.to !== "string" || message.to === "") {
    return "missing sender or recipient";
  }
  if (!isIndex(message.term)) return `term ${String(message.term)} out of range`;
  switch (message.type) {
    case "appendEntries":
      if (!isIndex(message.prevLogIndex) || !isIndex(message.prevLogTerm) || !isIndex(message.commit))
        return "index out of range";
      if (message.prevLogTerm > message.term) return "previous entry's term above the message's";
      if (!Array.isArray(message.entries)) return "entries missing";
      return entriesProblem(message.entries, message.prevLogIndex, message.prevLogTerm, message.term);
    case "appendEntriesResponse":
      return isIndex(message.index) && isIndex(message.hintIndex) && isIndex(message.hintTerm)
        ? ""
        : "index out of range";
    case "heartbeat":
      if (!isIndex(message.commit)) return "commit out of range";
      return isBytes(message.context) ? "" : "context is not bytes";
    case "heartbeatResponse":
    case "readIndex":
      return isBytes(message.context) ? "" : "context is not bytes";
    case "readIndexResponse":
      if (!isIndex(message.index)) return "index out of range";
      return isBytes(message.context) ? "" : "context is not bytes";
    case "requestVote":
      if (!isIndex(message.lastLogIndex) || !isIndex(message.lastLogTerm)) return "index out of range";
      return message.lastLogTerm > message.term ? "last log term above the message's" : "";
    case "requestVoteResponse":
    case "timeoutNow":
      return "";
    case "installSnapshot":
      return snapshotProblem(message.snapshot, message.term);
    default:
      return `unknown message type ${String((message as { type?: unknown }).type)}`;
  }
}

/** Throws an invalid_request CofferError naming what is wrong with a malformed message. */
export function assertWellFormed(message: Message): void {
  const problem = messageProblem(message);
  if (problem) throw invalidRequest(`raft: malformed ${String(message.type)} from ${String(message.from)}: ${problem}`);
}
