/**
 * Leader election (Raft §5.2, §5.4.1) with pre-vote (thesis §9.6): role
 * transitions, campaigns, and answering and counting votes.
 */
import { assert } from "../lib/index.js";
import type { RequestVote, RequestVoteResponse } from "./messages.js";
import { appendAsLeader, broadcastAppend } from "./replication.js";
import type { RaftState } from "./state.js";
import type { NodeId } from "./types.js";
import { toLogIndex, toTerm } from "./types.js";

export function becomeFollower(state: RaftState, term: number, leader: NodeId): void {
  state.reset(term);
  state.leader = leader;
  state.role = "follower";
}

/** Pre-candidates keep their term and vote: a lost pre-vote leaves no trace (thesis §9.6). */
function becomePreCandidate(state: RaftState): void {
  assert(state.role !== "leader", "a leader does not pre-campaign");
  state.votes.clear();
  state.leader = "";
  state.role = "preCandidate";
}

function becomeCandidate(state: RaftState): void {
  assert(state.role !== "leader", "a leader does not campaign");
  state.reset(state.term + 1);
  state.votedFor = state.id;
  state.role = "candidate";
}

/**
 * Takes leadership of the current term and appends an empty entry of it:
 * entries of earlier terms commit only once an entry of ours does (§5.4.2),
 * and reads and membership changes wait for that (thesis §6.4, and the
 * single-server change fix of the raft-dev 2015 erratum).
 */
export function becomeLeader(state: RaftState): void {
  assert(state.role === "candidate", `invalid transition ${state.role} -> leader`);
  state.reset(state.term);
  state.leader = state.id;
  state.role = "leader";
  state.initProgress();
  state.pendingConfigIndex = appendAsLeader(state, [{ kind: "normal", data: new Uint8Array() }]);
  broadcastAppend(state);
}

export type CampaignKind = "preVote" | "election" | "transfer";

export function campaign(state: RaftState, kind: CampaignKind): void {
  if (!state.isPromotable()) return;
  const preVote = kind === "preVote";
  if (preVote) becomePreCandidate(state);
  else becomeCandidate(state);
  // A pre-vote asks about the term we would campaign in, without entering it.
  const voteTerm = preVote ? state.term + 1 : state.term;
  state.votes.set(state.id, true);
  if (state.pollVotes() === "won") {
    // The only voter.
    if (preVote) campaign(state, "election");
    else becomeLeader(state);
    return;
  }
  for (const voter of state.voters()) {
    if (voter === state.id) continue;
    const request: RequestVote = {
      type: "requestVote",
      from: state.id,
      to: voter,
      term: toTerm(voteTerm),
      preVote,
      lastLogIndex: toLogIndex(state.log.lastIndex()),
      lastLogTerm: state.log.lastTerm(),
      leadershipTransfer: kind === "transfer",
    };
    state.send(request);
  }
}

/**
 * Answers a vote request whose term is not below ours (the caller dealt with
 * terms). One vote per term (§5.2), only for a log at least as up to date
 * as ours (§5.4.1). A pre-vote is granted to any future term without
 * recording anything.
 */
export function handleVoteRequest(state: RaftState, request: RequestVote): void {
  const canVote =
    state.votedFor === request.from ||
    (state.votedFor === "" && state.leader === "") ||
    (request.preVote && request.term > state.term);
  const upToDate =
    state.faults.grantVotesIgnoringLog === true || state.log.isUpToDate(request.lastLogIndex, request.lastLogTerm);
  const granted = canVote && upToDate;
  const response: RequestVoteResponse = {
    type: "requestVoteResponse",
    from: state.id,
    to: request.from,
    // A granted answer carries the request's term (for a pre-vote, the candidate's future term).
    term: granted ? request.term : toTerm(state.term),
    preVote: request.preVote,
    granted,
  };
  state.send(response);
  if (granted && !request.preVote) {
    state.electionElapsed = 0;
    state.votedFor = request.from;
  }
}

/** A candidate or pre-candidate counts an answer to its campaign. */
export function handleVoteResponse(state: RaftState, response: RequestVoteResponse): void {
  if (response.preVote !== (state.role === "preCandidate")) return;
  if (!state.votes.has(response.from)) state.votes.set(response.from, response.granted);
  switch (state.pollVotes()) {
    case "won":
      if (state.role === "preCandidate") campaign(state, "election");
      else becomeLeader(state);
      return;
    case "lost":
      becomeFollower(state, state.term, "");
      return;
    case "pending":
      return;
  }
}
