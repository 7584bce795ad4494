/**
 * Majority arithmetic over one configuration's voters (Raft §5.2, §5.3).
 * Pure functions of their arguments, property-tested in quorum.test.ts.
 */
import type { NodeId } from "./types.js";

/** Votes needed out of `voterCount`; 0 voters can never form a quorum. */
export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest index that a majority of `voters` have matched: the value at
 * position quorum-1 of the matches sorted from highest to lowest. With no
 * voters nothing can commit, so the answer is 0.
 */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const matches = voters.map(matchOf).sort((a, b) => b - a);
  return matches[quorumSize(voters.length) - 1]!;
}

export type VoteOutcome = "won" | "lost" | "pending";

/**
 * Outcome of an election given each voter's answer (true granted, false
 * rejected, undefined not heard yet). Votes from non-voters are not asked for.
 */
export function voteOutcome(voters: readonly NodeId[], voteOf: (id: NodeId) => boolean | undefined): VoteOutcome {
  if (voters.length === 0) return "lost";
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const vote = voteOf(id);
    if (vote === true) granted += 1;
    else if (vote === undefined) missing += 1;
  }
  const needed = quorumSize(voters.length);
  if (granted >= needed) return "won";
  if (granted + missing >= needed) return "pending";
  return "lost";
}

/** Whether the voters for which `isActive` holds form a quorum. */
export function hasQuorum(voters: readonly NodeId[], isActive: (id: NodeId) => boolean): boolean {
  return voteOutcome(voters, isActive) === "won";
}
