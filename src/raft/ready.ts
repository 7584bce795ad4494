/**
 * What the core hands its driver. The core never does I/O; instead each
 * `ready()` returns a `Ready` and the driver carries it out, in this order:
 *
 *   0. Send `messagesBeforePersist`: they may leave before step 1 starts or
 *      while it runs (not later than step 2). Only a leader's appends of a
 *      term that is already durable are here (thesis §10.2.1): followers
 *      write the entries while the leader does, the leader counts its own
 *      copy in the commit quorum only once `advance()` confirms step 1, and
 *      the commit index they carry never rests on an unsynced copy. If the
 *      leader crashes before step 1 is durable, followers may hold entries it
 *      lost; they were never committed, and the term that wrote them is over.
 *   1. Persist, in one atomic write, synced (fsync) when `mustSync` is true:
 *      a. `snapshot` if present (it replaces the log and the FSM state below
 *         its index);
 *      b. `entries`: first delete every stored entry with index >=
 *         `entries[0].index` (a conflicting suffix the leader overwrote),
 *         then append them;
 *      c. `hardState` if present.
 *      Then make the `LogStorage` the core reads reflect exactly that.
 *   2. Send `messages`. Only now: a message may promise what step 1 wrote
 *      (a vote, an acknowledged entry, a term), so it must not leave before
 *      it is durable.
 *   3. Apply: restore the FSM from `snapshot` if present, then apply
 *      `committedEntries` in order. Serve `readStates` once the FSM has
 *      applied up to each one's index.
 *   4. Call `advance()`. Between `ready()` and `advance()` the core refuses
 *      every other call that changes it (step, tick, propose, ...): the
 *      driver queues inputs and feeds them in the next round.
 *
 * Everything in a Ready is owned by the driver after `ready()` returns; the
 * core keeps no reference it will mutate, and the driver must not mutate
 * entries or messages either (they may be shared with the core's log).
 */
import type { Message } from "./messages.js";
import type { Entry, HardState, LogIndex, NodeId, Snapshot, Term } from "./types.js";

export type Role = "follower" | "preCandidate" | "candidate" | "leader";

/** Volatile state the driver reports (leadership events, metrics); never persisted. */
export interface SoftState {
  readonly role: Role;
  /** The leader this server currently follows (itself when leader), or "" if none is known. */
  readonly leader: NodeId;
  readonly term: Term;
}

/**
 * A linearizable read may be served once the FSM has applied `index`.
 * `context` is the bytes given to `readIndex`, identifying the read.
 */
export interface ReadState {
  readonly index: LogIndex;
  readonly context: Uint8Array;
}

export interface Ready {
  /** Present when role or leader changed since the last Ready. Not persisted. */
  readonly softState: SoftState | null;
  /** Present when term, vote or commit changed: persist it (step 1c). */
  readonly hardState: HardState | null;
  /** A snapshot received from the leader, to persist and restore (steps 1a, 3). */
  readonly snapshot: Snapshot | null;
  /** Entries to persist (step 1b); may begin at or below the stored last index, meaning truncate there first. */
  readonly entries: readonly Entry[];
  /** Step 1 must be synced before step 2 and before `advance()`: a vote, a term or new entries are in it. */
  readonly mustSync: boolean;
  /** Step 0: a leader's appends, which may be sent before or during step 1 (never later than `messages`). */
  readonly messagesBeforePersist: readonly Message[];
  /** Send after step 1 is durable (step 2). */
  readonly messages: readonly Message[];
  /** Apply in order after step 1 (step 3); they follow `snapshot` if both are present. */
  readonly committedEntries: readonly Entry[];
  /** Reads now safe to serve once the FSM has applied their index (step 3). */
  readonly readStates: readonly ReadState[];
}
