/**
 * ReadIndex (thesis §6.4): a linearizable read is served at the commit index
 * the leader had when the read arrived, once a heartbeat round shows it was
 * still leader then. A leader that has not yet committed an entry of its own
 * term does not know the latest commit index, so it defers reads until it has.
 */
import type { Refusal } from "./api.js";
import { isVoter } from "./membership.js";
import { hasQuorum } from "./quorum.js";
import type { PendingRead } from "./readonly.js";
import { broadcastHeartbeat } from "./replication.js";
import type { RaftState } from "./state.js";
import type { NodeId } from "./types.js";
import { toLogIndex } from "./types.js";

function answer(state: RaftState, read: Pick<PendingRead, "index" | "context" | "from">): void {
  if (read.from === state.id) {
    state.readStates.push({ index: toLogIndex(read.index), context: read.context });
  } else {
    state.send({
      type: "readIndexResponse",
      ...state.envelope(read.from),
      index: toLogIndex(read.index),
      context: read.context,
    });
  }
}

function committedInTerm(state: RaftState): boolean {
  return state.log.term(state.log.committed) === state.term;
}

/** Leader: a read asked of us (`from` is us) or forwarded by a follower. Returns a refusal or null. */
export function leaderReadIndex(state: RaftState, context: Uint8Array, from: NodeId): Refusal | null {
  const queued = state.reads.size + state.deferredReads.length;
  if (queued >= state.config.readIndexQueueMax) return "readQueueFull";
  if (!committedInTerm(state)) {
    state.deferredReads.push({ context, from });
    return null;
  }
  const voters = state.voters();
  if (voters.length === 1 && voters[0] === state.id) {
    answer(state, { index: state.log.committed, context, from });
    return null;
  }
  if (state.reads.add(state.log.committed, context, from)) broadcastHeartbeat(state, context);
  return null;
}

/** Leader: a heartbeat answer carrying a read's context. */
export function handleReadAcknowledgement(state: RaftState, from: NodeId, context: Uint8Array): void {
  const acks = state.reads.acknowledge(from, context);
  if (!acks) return;
  const selfVotes = isVoter(state.configuration(), state.id);
  if (!hasQuorum(state.voters(), (id) => (id === state.id ? selfVotes : acks.has(id)))) return;
  for (const read of state.reads.releaseThrough(context)) answer(state, read);
}

/** Leader: once an entry of our term is committed, serve the reads that waited for it. */
export function releaseDeferredReads(state: RaftState): void {
  if (state.deferredReads.length === 0 || !committedInTerm(state)) return;
  const deferred = state.deferredReads.splice(0);
  for (const read of deferred) leaderReadIndex(state, read.context, read.from);
}
