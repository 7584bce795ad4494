/**
 * The leader's view of one follower (Raft §5.3 nextIndex/matchIndex, plus
 * flow control). A follower is in one of three states:
 *
 * - probe: the leader does not know where the logs diverge; it sends one
 *   append at a time and waits for the answer (or a heartbeat) before the next.
 * - replicate: the logs match up to `match`; the leader streams appends
 *   optimistically, bounded by `inflights`.
 * - snapshot: the follower needs entries the leader compacted; a snapshot is
 *   being sent and nothing else is until its outcome is known.
 */
import { Inflights } from "./inflights.js";

export type ProgressState = "probe" | "replicate" | "snapshot";

export class Progress {
  /** Highest index known to be replicated on the follower. */
  match = 0;
  /** Index of the next entry to send. */
  next: number;
  state: ProgressState = "probe";
  /** In the snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** In the probe state: an append is outstanding, so wait before sending another. */
  probeSent = false;
  /** Heard from since the last check-quorum round (or since becoming leader). */
  recentActive = true;
  readonly inflights: Inflights;

  constructor(next: number, inflightMessagesMax: number, inflightBytesMax: number) {
    this.next = next;
    this.inflights = new Inflights(inflightMessagesMax, inflightBytesMax);
  }

  becomeProbe(): void {
    // After a snapshot transfer the follower holds at least the snapshot, so
    // probing resumes above it; otherwise from the last known match.
    const floor = this.state === "snapshot" ? Math.max(this.match, this.pendingSnapshot) : this.match;
    this.resetState("probe");
    this.next = floor + 1;
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState("snapshot");
    this.pendingSnapshot = snapshotIndex;
    this.next = snapshotIndex + 1;
  }

  /** An acceptance up to `index` arrived; returns whether `match` advanced. */
  maybeUpdate(index: number): boolean {
    const advanced = index > this.match;
    if (advanced) {
      this.match = index;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return advanced;
  }

  /**
   * A rejection of an append whose previous index was `rejected` arrived,
   * with the follower's hint `matchHint` (the highest index that may still
   * match). Returns false when the rejection is stale and must be ignored.
   */
  maybeDecreaseTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      // Appends were pipelined past `match`: restart right after it.
      this.next = this.match + 1;
      return true;
    }
    // Not pipelining, so only the answer to the latest probe counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Records that an append carrying entries up to `lastIndex` (`bytes` of them) was sent. */
  sentEntries(lastIndex: number, bytes: number): void {
    if (this.state === "replicate") {
      this.next = lastIndex + 1;
      this.inflights.add(lastIndex, bytes);
    } else if (this.state === "probe") {
      this.probeSent = true;
    }
  }

  /** Whether the leader must hold further appends to this follower. */
  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }
}
