/**
 * The message and clock entry points: term rules common to every role
 * (Raft §5.1, with pre-vote and the leader lease of thesis §4.2.3 and §9.6),
 * then each role's handling, and the effects of the commit index advancing.
 */
import { becomeFollower, campaign, handleVoteRequest, handleVoteResponse } from "./election.js";
import { isVoter } from "./membership.js";
import type { Message } from "./messages.js";
import { hasQuorum } from "./quorum.js";
import { handleReadAcknowledgement, leaderReadIndex, releaseDeferredReads } from "./readindex.js";
import {
  broadcastHeartbeat,
  handleAppendEntries,
  handleAppendResponse,
  handleHeartbeat,
  handleHeartbeatResponse,
  handleInstallSnapshot,
} from "./replication.js";
import type { RaftState } from "./state.js";
import { maybeFinishTransfer, sendTimeoutNow } from "./transfer.js";
import { toLogIndex, toTerm } from "./types.js";

function fromLeader(message: Message): boolean {
  return message.type === "appendEntries" || message.type === "heartbeat" || message.type === "installSnapshot";
}

/** Whether we heard from a leader within the election timeout: then a campaign is a disruption (thesis §4.2.3). */
function inLeaderLease(state: RaftState): boolean {
  return state.config.checkQuorum && state.leader !== "" && state.electionElapsed < state.config.electionTicks;
}

export function step(state: RaftState, message: Message): void {
  if (message.term > state.term) {
    if (message.type === "requestVote" && !message.leadershipTransfer && inLeaderLease(state)) return;
    const keepsTerm =
      (message.type === "requestVote" && message.preVote) ||
      (message.type === "requestVoteResponse" && message.preVote && message.granted);
    if (!keepsTerm) becomeFollower(state, message.term, fromLeader(message) ? message.from : "");
  } else if (message.term < state.term) {
    answerStaleTerm(state, message);
    return;
  }
  if (message.type === "requestVote") {
    handleVoteRequest(state, message);
    return;
  }
  switch (state.role) {
    case "leader":
      stepLeader(state, message);
      return;
    case "candidate":
    case "preCandidate":
      stepCandidate(state, message);
      return;
    case "follower":
      stepFollower(state, message);
      return;
  }
}

/**
 * A message from an older term. A stale leader learns our term from the
 * answer and steps down (§5.1); without that answer, a leader cut off by
 * check-quorum or pre-vote rules could keep a partitioned follower from ever
 * rejoining. A stale candidate or pre-candidate learns it from the rejection
 * (Figure 2: RequestVote answers carry currentTerm); without it, a candidate
 * whose only other voter races ahead in terms (say, one that still believes
 * in an older configuration) would never catch up.
 */
function answerStaleTerm(state: RaftState, message: Message): void {
  if (fromLeader(message)) {
    state.send({
      type: "appendEntriesResponse",
      ...state.envelope(message.from),
      reject: false,
      index: toLogIndex(0),
      hintIndex: toLogIndex(0),
      hintTerm: toTerm(0),
    });
  } else if (message.type === "requestVote") {
    state.send({
      type: "requestVoteResponse",
      ...state.envelope(message.from),
      preVote: message.preVote,
      granted: false,
    });
  }
}

function stepLeader(state: RaftState, message: Message): void {
  switch (message.type) {
    case "appendEntriesResponse":
      handleAppendResponse(state, message);
      if (!message.reject) maybeFinishTransfer(state, message.from);
      return;
    case "heartbeatResponse":
      handleHeartbeatResponse(state, message.from);
      if (message.context.byteLength > 0) handleReadAcknowledgement(state, message.from, message.context);
      return;
    case "readIndex":
      // A refusal (queue full) is dropped: the follower's read times out in its driver and is retried.
      if (state.progressOf(message.from)) leaderReadIndex(state, message.context, message.from);
      return;
    default:
      // Another leader in our term cannot exist (§5.2); stale votes and the rest need nothing.
      return;
  }
}

function stepCandidate(state: RaftState, message: Message): void {
  if (fromLeader(message)) {
    // Someone won this term (§5.2): follow it.
    becomeFollower(state, message.term, message.from);
    stepFollower(state, message);
    return;
  }
  switch (message.type) {
    case "requestVoteResponse":
      handleVoteResponse(state, message);
      return;
    case "readIndexResponse":
      state.readStates.push({ index: message.index, context: message.context });
      return;
    default:
      return;
  }
}

function stepFollower(state: RaftState, message: Message): void {
  if (fromLeader(message)) {
    state.electionElapsed = 0;
    state.leader = message.from;
  }
  switch (message.type) {
    case "appendEntries":
      handleAppendEntries(state, message);
      return;
    case "heartbeat":
      handleHeartbeat(state, message);
      return;
    case "installSnapshot":
      handleInstallSnapshot(state, message);
      return;
    case "timeoutNow":
      // Skip pre-vote: the leader asked for this election (thesis §3.10).
      campaign(state, "transfer");
      return;
    case "readIndexResponse":
      state.readStates.push({ index: message.index, context: message.context });
      return;
    default:
      return;
  }
}

export function tick(state: RaftState): void {
  if (state.role === "leader") tickLeader(state);
  else tickElection(state);
}

function tickElection(state: RaftState): void {
  state.electionElapsed += 1;
  if (!state.isPromotable() || !state.pastElectionTimeout()) return;
  state.electionElapsed = 0;
  campaign(state, state.config.preVote ? "preVote" : "election");
}

function tickLeader(state: RaftState): void {
  state.heartbeatElapsed += 1;
  state.electionElapsed += 1;
  if (state.electionElapsed >= state.config.electionTicks) {
    state.electionElapsed = 0;
    if (state.config.checkQuorum && !quorumActive(state)) {
      becomeFollower(state, state.term, "");
      return;
    }
    // A transfer not done within an election timeout has failed; accept proposals again.
    state.leadTransferee = "";
  }
  if (state.heartbeatElapsed >= state.config.heartbeatTicks) {
    state.heartbeatElapsed = 0;
    broadcastHeartbeat(state, state.reads.newestContext());
  }
}

/** Check-quorum (thesis §6.2): did a quorum of voters contact us since the last round? Starts a new round. */
function quorumActive(state: RaftState): boolean {
  const active = hasQuorum(state.voters(), (id) => id === state.id || state.progressOf(id)?.recentActive === true);
  for (const progress of state.progress.values()) progress.recentActive = false;
  return active;
}

/**
 * Leader, after its commit index advanced: serve deferred reads, and once a
 * configuration that removed or demoted us is committed, hand over and step
 * down (thesis §4.2.2: until then we lead without counting ourselves).
 */
export function afterLeaderCommit(state: RaftState): void {
  releaseDeferredReads(state);
  if (isVoter(state.configuration(), state.id)) return;
  if (state.log.committed < state.history.latest().index) return;
  let successor = "";
  let successorMatch = -1;
  for (const voter of state.voters()) {
    const match = state.matchOf(voter);
    if (match > successorMatch) {
      successor = voter;
      successorMatch = match;
    }
  }
  if (successor !== "" && successor !== state.id) sendTimeoutNow(state, successor);
  becomeFollower(state, state.term, "");
}
