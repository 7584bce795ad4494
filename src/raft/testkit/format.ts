/**
 * Compact, stable text for entries, messages and Readys, used by the golden
 * interaction tests and by the simulator's traces.
 */
import { decodeConfigEntry } from "../membership.js";
import type { Message } from "../messages.js";
import type { Ready } from "../ready.js";
import type { ConfigChange, Configuration, Entry } from "../types.js";

const decoder = new TextDecoder();

export function formatBytes(bytes: Uint8Array): string {
  return JSON.stringify(decoder.decode(bytes));
}

export function formatConfiguration(configuration: Configuration): string {
  const voters = configuration.servers.filter((server) => server.suffrage === "voter").map((server) => server.id);
  const nonVoters = configuration.servers.filter((server) => server.suffrage === "nonvoter").map((server) => server.id);
  return `voters=(${voters.join(" ")})${nonVoters.length ? ` nonvoters=(${nonVoters.join(" ")})` : ""}`;
}

export function formatChange(change: ConfigChange | null): string {
  if (change === null) return "bootstrap";
  return `${change.type} ${change.id}`;
}

export function formatEntry(entry: Entry): string {
  if (entry.kind === "config") {
    const config = decodeConfigEntry(entry.data);
    return `${entry.term}/${entry.index} config(${formatChange(config.change)}: ${formatConfiguration(config.configuration)})`;
  }
  return `${entry.term}/${entry.index} ${formatBytes(entry.data)}`;
}

export function formatEntries(entries: readonly Entry[]): string {
  return `[${entries.map(formatEntry).join(", ")}]`;
}

export function formatMessage(message: Message): string {
  const head = `${message.from}->${message.to} ${message.type} term=${message.term}`;
  switch (message.type) {
    case "appendEntries":
      return `${head} prev=${message.prevLogTerm}/${message.prevLogIndex} commit=${message.commit} entries=${formatEntries(message.entries)}`;
    case "appendEntriesResponse":
      return message.reject
        ? `${head} reject index=${message.index} hint=${message.hintTerm}/${message.hintIndex}`
        : `${head} index=${message.index}`;
    case "heartbeat":
      return `${head} commit=${message.commit}${message.context.byteLength ? ` context=${formatBytes(message.context)}` : ""}`;
    case "heartbeatResponse":
      return `${head}${message.context.byteLength ? ` context=${formatBytes(message.context)}` : ""}`;
    case "requestVote":
      return `${head}${message.preVote ? " pre" : ""} last=${message.lastLogTerm}/${message.lastLogIndex}${message.leadershipTransfer ? " transfer" : ""}`;
    case "requestVoteResponse":
      return `${head}${message.preVote ? " pre" : ""} ${message.granted ? "granted" : "rejected"}`;
    case "installSnapshot": {
      const { meta } = message.snapshot;
      return `${head} snapshot=${meta.term}/${meta.index} ${formatConfiguration(meta.configuration)}`;
    }
    case "timeoutNow":
      return head;
    case "readIndex":
      return `${head} context=${formatBytes(message.context)}`;
    case "readIndexResponse":
      return `${head} index=${message.index} context=${formatBytes(message.context)}`;
  }
}

/** One line per non-empty part of a Ready, indented. */
export function formatReady(ready: Ready): string[] {
  const lines: string[] = [];
  const { softState, hardState, snapshot } = ready;
  if (softState) lines.push(`soft: ${softState.role} leader=${softState.leader || "-"} term=${softState.term}`);
  if (hardState)
    lines.push(`hard: term=${hardState.term} vote=${hardState.votedFor || "-"} commit=${hardState.commit}`);
  if (snapshot) {
    lines.push(
      `snapshot: ${snapshot.meta.term}/${snapshot.meta.index} ${formatConfiguration(snapshot.meta.configuration)}`,
    );
  }
  if (ready.entries.length) lines.push(`entries${ready.mustSync ? " (sync)" : ""}: ${formatEntries(ready.entries)}`);
  if (ready.committedEntries.length) lines.push(`committed: ${formatEntries(ready.committedEntries)}`);
  // "send early" may leave before the entries above are persisted (step 0 of ready.ts), "send" only after.
  for (const message of ready.messagesBeforePersist) lines.push(`send early: ${formatMessage(message)}`);
  for (const message of ready.messages) lines.push(`send: ${formatMessage(message)}`);
  for (const read of ready.readStates) lines.push(`read: index=${read.index} context=${formatBytes(read.context)}`);
  return lines;
}
