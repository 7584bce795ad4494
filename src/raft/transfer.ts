/**
 * Leadership transfer (thesis §3.10): the leader brings the target up to date,
 * then tells it to start an election at once. Proposals are refused meanwhile,
 * and the transfer is abandoned after an election timeout.
 */
import type { RequestResult } from "./api.js";
import { isVoter } from "./membership.js";
import { sendAppend } from "./replication.js";
import type { RaftState } from "./state.js";
import type { NodeId } from "./types.js";

export function sendTimeoutNow(state: RaftState, to: NodeId): void {
  state.send({ type: "timeoutNow", ...state.envelope(to) });
}

export function startTransfer(state: RaftState, to: NodeId): RequestResult {
  if (state.role !== "leader") return { ok: false, reason: "notLeader", leader: state.leader };
  if (to === state.id) return { ok: true };
  if (!isVoter(state.configuration(), to)) return { ok: false, reason: "notVoter", leader: state.leader };
  if (state.leadTransferee === to) return { ok: true };
  state.leadTransferee = to;
  // The transfer must finish within one election timeout (checked on tick).
  state.electionElapsed = 0;
  const progress = state.progressOf(to);
  if (progress?.match === state.log.lastIndex()) sendTimeoutNow(state, to);
  else sendAppend(state, to);
  return { ok: true };
}

/** After an acknowledgement from the transfer target: hand over once it holds our whole log. */
export function maybeFinishTransfer(state: RaftState, from: NodeId): void {
  if (state.leadTransferee !== from) return;
  if (state.progressOf(from)?.match === state.log.lastIndex()) sendTimeoutNow(state, from);
}
