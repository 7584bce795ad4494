/**
 * The driver's bookkeeping for callers waiting on the core: proposals
 * waiting to be applied, linearizable reads waiting for a read index and then
 * for the FSM to reach it. Each waiter is settled exactly once; every wait
 * has a deadline, because a message the core needs may be lost for good.
 */
import { CofferError } from "../lib/index.js";
import type { Entry, LogIndex, NodeId, Refusal, Term } from "../raft/index.js";

/** Where a proposal landed: the entry (index, term) that carried it, applied on this server. */
export interface AppliedResult {
  readonly index: LogIndex;
  readonly term: Term;
}

interface Waiter<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
  readonly deadlineMs: number;
}

/** A typed error for a refusal of the core, with the leader to redirect to. */
export function refusalError(reason: Refusal, leader: NodeId): CofferError {
  const data = { leader };
  switch (reason) {
    case "notLeader":
    case "noLeader":
    case "transferInProgress":
    case "readQueueFull":
    case "uncommittedBytesExceeded":
      return new CofferError("unavailable", `raft: ${reason}`, { data });
    case "configChangePending":
      return new CofferError("conflict", "raft: another membership change is in progress", { data });
    case "unknownServer":
      return new CofferError("not_found", "raft: no such server in the configuration", { data });
    case "wouldLeaveNoVoters":
    case "notVoter":
    case "invalidContext":
    case "noChange":
      return new CofferError("invalid_request", `raft: ${reason}`, { data });
  }
}

export class PendingProposals {
  readonly #byIndex = new Map<number, Waiter<AppliedResult> & { readonly term: number }>();

  get size(): number {
    return this.#byIndex.size;
  }

  add(index: number, term: number, waiter: Waiter<AppliedResult>): void {
    this.#byIndex.set(index, { ...waiter, term });
  }

  /** An entry was applied: its proposer succeeded if the term matches, else it was overwritten. */
  applied(entry: Entry): void {
    const waiter = this.#byIndex.get(entry.index);
    if (!waiter) return;
    this.#byIndex.delete(entry.index);
    if (waiter.term === entry.term) waiter.resolve({ index: entry.index, term: entry.term });
    else waiter.reject(new CofferError("unavailable", "raft: the proposal was overwritten by a new leader; retry"));
  }

  /** The FSM jumped to `index` (a snapshot): proposals at or below it have an unknown fate. */
  skippedThrough(index: number): void {
    for (const [at, waiter] of this.#byIndex) {
      if (at > index) continue;
      this.#byIndex.delete(at);
      waiter.reject(new CofferError("unavailable", "raft: outcome unknown (replaced by a snapshot); retry"));
    }
  }

  expire(nowMs: number): void {
    for (const [at, waiter] of this.#byIndex) {
      if (waiter.deadlineMs > nowMs) continue;
      this.#byIndex.delete(at);
      waiter.reject(new CofferError("unavailable", "raft: proposal timed out; its outcome is unknown"));
    }
  }

  failAll(error: unknown): void {
    for (const waiter of this.#byIndex.values()) waiter.reject(error);
    this.#byIndex.clear();
  }
}

/** Resolves with the term in which this server confirmed its leadership for the read (0: not as leader). */
interface PendingRead extends Waiter<number> {
  /** When the read index was last asked for; asked again (with a new context) if no answer comes. */
  askedAtMs: number;
}

interface AskedRead {
  readonly read: PendingRead;
  /** Asked of our own core as leader of this term (else 0): the core drops it when that leadership ends, without a word. */
  readonly leaderTerm: number;
}

interface ReadAwaitingApply {
  readonly leaderTerm: number;
  readonly index: number;
  readonly read: PendingRead;
}

export class PendingReads {
  /** Reads waiting for a read index, by the context of their latest request (one entry per read). */
  readonly #asking = new Map<string, AskedRead>();
  /** Reads that have a read index, waiting for the FSM to apply it. */
  #waitingApply: ReadAwaitingApply[] = [];

  get size(): number {
    return this.#asking.size + this.#waitingApply.length;
  }

  asked(context: string, read: PendingRead, leaderTerm: number): void {
    this.#asking.set(context, { read, leaderTerm });
  }

  /** A ReadState arrived: the read may be served once `index` is applied. */
  answered(context: string, index: number, appliedIndex: number): void {
    const asked = this.#asking.get(context);
    if (!asked) return;
    this.#asking.delete(context);
    const { read, leaderTerm } = asked;
    if (index <= appliedIndex) read.resolve(leaderTerm);
    else this.#waitingApply.push({ index, read, leaderTerm });
  }

  applied(appliedIndex: number): void {
    if (this.#waitingApply.length === 0) return;
    const still: ReadAwaitingApply[] = [];
    for (const item of this.#waitingApply) {
      if (item.index <= appliedIndex) item.read.resolve(item.leaderTerm);
      else still.push(item);
    }
    this.#waitingApply = still;
  }

  /**
   * Leadership changed. The reads our core held as leader were dropped with
   * it (raft/index.ts): they fail now with a retryable error rather than at
   * their deadline. A request forwarded to a leader that is gone may be lost
   * too: those are asked again at the next tick (with the new leader).
   */
  leadershipChanged(now: { readonly leading: boolean; readonly term: number }): void {
    const lost = new CofferError("unavailable", "raft: leadership was lost before the read was confirmed; retry");
    for (const [context, { read, leaderTerm }] of this.#asking) {
      if (leaderTerm === 0) read.askedAtMs = 0;
      else if (!now.leading || now.term !== leaderTerm) {
        this.#asking.delete(context);
        read.reject(lost);
      }
    }
  }

  /** Reads asked before `olderThanMs` with no answer yet: to be asked again with a new context. */
  unanswered(olderThanMs: number): PendingRead[] {
    const out: PendingRead[] = [];
    for (const [context, { read }] of this.#asking) {
      if (read.askedAtMs > olderThanMs) continue;
      this.#asking.delete(context);
      out.push(read);
    }
    return out;
  }

  expire(nowMs: number): void {
    const timedOut = new CofferError("unavailable", "raft: linearizable read timed out (no leader reachable)");
    for (const [context, { read }] of this.#asking) {
      if (read.deadlineMs > nowMs) continue;
      this.#asking.delete(context);
      read.reject(timedOut);
    }
    this.#waitingApply = this.#waitingApply.filter((item) => {
      if (item.read.deadlineMs > nowMs) return true;
      item.read.reject(timedOut);
      return false;
    });
  }

  failAll(error: unknown): void {
    for (const { read } of this.#asking.values()) read.reject(error);
    for (const item of this.#waitingApply) item.read.reject(error);
    this.#asking.clear();
    this.#waitingApply = [];
  }
}

export type { PendingRead, Waiter };
