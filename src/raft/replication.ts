/**
 * Log replication (Raft §5.3, §7): the leader's sending side, driven by each
 * follower's Progress, and the follower's handling of appends, heartbeats
 * and snapshots.
 */
import { assert } from "../lib/index.js";
import type { AppendEntries, AppendEntriesResponse, Heartbeat, InstallSnapshot } from "./messages.js";
import type { RaftState } from "./state.js";
import { entryBytes } from "./storage.js";
import type { Entry, NodeId } from "./types.js";
import { toLogIndex, toTerm } from "./types.js";

const emptyContext = new Uint8Array();

/** Leader: appends entries of its term to its own log; their indexes are assigned here. */
export function appendAsLeader(state: RaftState, entries: readonly Omit<Entry, "index" | "term">[]): number {
  let index = state.log.lastIndex();
  const stamped = entries.map((entry) => ({ ...entry, index: toLogIndex(++index), term: toTerm(state.term) }));
  state.log.append(stamped);
  // Our own match counts these entries only once they are persisted (state.matchOf, RaftNode.advance);
  // this matters only when a test fault counts unpersisted entries.
  maybeCommit(state);
  return state.log.lastIndex();
}

/** Leader: commit what a quorum of voters holds, if it is of our term (Raft §5.4.2). */
export function maybeCommit(state: RaftState): boolean {
  const quorumMatch = state.quorumMatch();
  if (state.faults.commitOlderTermsByCounting === true && quorumMatch > state.log.committed) {
    state.log.commitTo(quorumMatch);
    return true;
  }
  return state.log.maybeCommit(quorumMatch, state.term);
}

/**
 * Leader: sends `to` the next entries it needs, or a snapshot when they are
 * compacted away. Returns whether a message was sent. With `sendIfEmpty`
 * false, nothing is sent when there are no new entries (used to fill the
 * pipeline without empty appends).
 */
export function sendAppend(state: RaftState, to: NodeId, sendIfEmpty = true): boolean {
  const progress = state.progressOf(to);
  if (!progress || progress.isPaused()) return false;
  const prevLogIndex = progress.next - 1;
  const prevLogTerm = state.log.term(prevLogIndex);
  const entries = state.log.entries(progress.next, state.log.lastIndex() + 1, state.config.messageBytesMax);
  if (prevLogTerm === undefined || entries === null) return sendSnapshot(state, to);
  if (entries.length === 0 && !sendIfEmpty) return false;
  const message: AppendEntries = {
    type: "appendEntries",
    ...state.envelope(to),
    prevLogIndex: toLogIndex(prevLogIndex),
    prevLogTerm,
    entries,
    commit: toLogIndex(state.log.committed),
  };
  state.send(message);
  const last = entries[entries.length - 1];
  if (last)
    progress.sentEntries(
      last.index,
      entries.reduce((total, entry) => total + entryBytes(entry), 0),
    );
  return true;
}

function sendSnapshot(state: RaftState, to: NodeId): boolean {
  const progress = state.progressOf(to);
  assert(progress !== undefined, "progress exists");
  // A follower we have not heard from lately may be down: do not stream a whole snapshot into the void.
  if (!progress.recentActive) return false;
  const snapshot = state.log.snapshotForFollower();
  if (snapshot === null) return false;
  assert(snapshot.meta.index >= state.log.firstIndex() - 1, "the storage's snapshot covers the compacted entries");
  progress.becomeSnapshot(snapshot.meta.index);
  const message: InstallSnapshot = { type: "installSnapshot", ...state.envelope(to), snapshot };
  state.send(message);
  return true;
}

/** Leader: sends every follower what it is missing (or an empty append as a probe). */
export function broadcastAppend(state: RaftState): void {
  for (const id of state.progress.keys()) sendAppend(state, id);
}

/** Leader: keeps sending to `to` while there are entries and the pipeline has room. */
export function fillPipeline(state: RaftState, to: NodeId): void {
  while (sendAppend(state, to, false)) {
    // Each iteration sends one message and grows the inflights, so the loop is bounded by inflightMessagesMax.
  }
}

export function sendHeartbeat(state: RaftState, to: NodeId, context: Uint8Array): void {
  const progress = state.progressOf(to);
  // A follower may not hold our committed entries yet: never tell it to commit past its match.
  const commit = Math.min(progress?.match ?? 0, state.log.committed);
  const message: Heartbeat = { type: "heartbeat", ...state.envelope(to), commit: toLogIndex(commit), context };
  state.send(message);
}

export function broadcastHeartbeat(state: RaftState, context: Uint8Array = emptyContext): void {
  for (const id of state.progress.keys()) sendHeartbeat(state, id, context);
}

/**
 * Leader: an answer to an append or snapshot. Returns whether the commit
 * index advanced (the caller then tells everyone and releases reads).
 */
export function handleAppendResponse(state: RaftState, message: AppendEntriesResponse): boolean {
  const progress = state.progressOf(message.from);
  if (!progress) return false;
  progress.recentActive = true;
  if (message.reject) {
    // The hint names the follower's last index that may match; when it came
    // with a term, skip back to our last entry of at most that term (§5.3).
    const hint =
      message.hintTerm > 0
        ? state.log.findConflictByTerm(message.hintIndex, message.hintTerm).index
        : message.hintIndex;
    if (progress.maybeDecreaseTo(message.index, hint)) {
      if (progress.state === "replicate") progress.becomeProbe();
      sendAppend(state, message.from);
    }
    return false;
  }
  const wasPaused = progress.isPaused();
  if (!progress.maybeUpdate(message.index)) return false;
  switch (progress.state) {
    case "probe":
      progress.becomeReplicate();
      break;
    case "snapshot":
      // The follower holds what it needs to continue from our log.
      if (progress.match + 1 >= state.log.firstIndex()) {
        progress.becomeProbe();
        progress.becomeReplicate();
      }
      break;
    case "replicate":
      progress.inflights.freeLessOrEqual(message.index);
      break;
  }
  const committed = maybeCommit(state);
  if (committed) broadcastAppend(state);
  else if (wasPaused) sendAppend(state, message.from);
  fillPipeline(state, message.from);
  return committed;
}

/** Leader: a heartbeat answer. Reports whether the follower is ours (the caller handles a read context). */
export function handleHeartbeatResponse(state: RaftState, from: NodeId): void {
  const progress = state.progressOf(from);
  if (!progress) return;
  progress.recentActive = true;
  progress.probeSent = false;
  // Answers to a full window may have been lost: free one slot so a probe can discover the gap.
  if (progress.state === "replicate" && progress.inflights.full()) progress.inflights.freeOldest();
  if (progress.match < state.log.lastIndex()) sendAppend(state, from);
}

function respond(
  state: RaftState,
  to: NodeId,
  answer: { reject: boolean; index: number; hintIndex?: number; hintTerm?: number },
): void {
  const message: AppendEntriesResponse = {
    type: "appendEntriesResponse",
    ...state.envelope(to),
    reject: answer.reject,
    index: toLogIndex(answer.index),
    hintIndex: toLogIndex(answer.hintIndex ?? 0),
    hintTerm: toTerm(answer.hintTerm ?? 0),
  };
  state.send(message);
}

/** Follower: an append from the leader of our term (Raft §5.3). */
export function handleAppendEntries(state: RaftState, message: AppendEntries): void {
  if (message.prevLogIndex < state.log.committed) {
    // Everything up to our commit index already matches the leader's log.
    respond(state, message.from, { reject: false, index: state.log.committed });
    return;
  }
  const lastNewIndex = state.log.maybeAppend(
    message.prevLogIndex,
    message.prevLogTerm,
    message.commit,
    message.entries,
  );
  if (lastNewIndex !== null) {
    respond(state, message.from, { reject: false, index: lastNewIndex });
    return;
  }
  const hint = state.log.findConflictByTerm(Math.min(message.prevLogIndex, state.log.lastIndex()), message.prevLogTerm);
  respond(state, message.from, {
    reject: true,
    index: message.prevLogIndex,
    hintIndex: hint.index,
    hintTerm: hint.term,
  });
}

export function handleHeartbeat(state: RaftState, message: Heartbeat): void {
  state.log.commitTo(message.commit);
  state.send({ type: "heartbeatResponse", ...state.envelope(message.from), context: message.context });
}

/**
 * Follower: a snapshot from the leader (Raft §7). Returns whether the log
 * (and with it the configuration) was replaced by the snapshot.
 */
export function handleInstallSnapshot(state: RaftState, message: InstallSnapshot): boolean {
  const { meta } = message.snapshot;
  let restored = false;
  if (meta.index <= state.log.committed) {
    // Stale: we already hold (and committed) everything it covers.
  } else if (state.log.matchTerm(meta.index, meta.term)) {
    // Our log already contains the snapshot's last entry: keep the log, just commit.
    state.log.commitTo(meta.index);
  } else {
    state.log.restore(message.snapshot);
    state.history.reset({ index: meta.index, configuration: meta.configuration });
    restored = true;
  }
  const index = restored ? state.log.lastIndex() : state.log.committed;
  respond(state, message.from, { reject: false, index });
  return restored;
}
