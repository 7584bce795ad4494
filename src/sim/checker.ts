/**
 * The Raft safety properties (Raft §5.2-§5.4, Figure 3), checked
 * incrementally as the simulation runs. Each record method is called at the
 * moment a node does something observable, and throws SafetyViolation at the
 * first breach.
 *
 * - Election safety: at most one leader per term.
 * - Log matching: an (index, term) pair identifies the entry and, by
 *   induction through the previous entry's term, the whole prefix.
 * - Leader completeness: a leader of term T holds every entry committed in a
 *   term below T.
 * - State machine safety: no two replicas apply different entries (or reach
 *   different states) at one index.
 * - No acknowledged entry lost: what a client was told is committed stays in
 *   every later leader's log and is applied everywhere.
 */
import type { Entry, NodeId } from "../raft/index.js";

export class SafetyViolation extends Error {
  override readonly name = "SafetyViolation";
}

/** What the checker needs to see of a node's log. */
export interface LogView {
  firstIndex(): number;
  lastIndex(): number;
  term(index: number): number | undefined;
}

interface EntryRecord {
  readonly fingerprint: string;
  readonly previousTerm: number | undefined;
  readonly node: NodeId;
}

function fingerprint(entry: Entry): string {
  return `${entry.kind}:${Buffer.from(entry.data).toString("base64")}`;
}

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly entries = new Map<string, EntryRecord>();
  /** index -> (term, fingerprint) of the entry applied there, by whichever replica applied it first. */
  private readonly applied = new Map<number, { term: number; fingerprint: string; node: NodeId }>();
  /** index -> state machine hash after applying it. */
  private readonly stateHash = new Map<number, { hash: number; node: NodeId }>();
  /**
   * index -> the committed entry's term, and the term in which it was
   * committed (the earliest leader term known to have committed it). Leader
   * completeness binds leaders of terms above the commit term, not above
   * the entry's term: an old entry committed late by a later leader need
   * not be in the log of a stale leader elected in between.
   */
  private readonly committed = new Map<number, { entryTerm: number; commitTerm: number }>();
  private readonly leaders = new Map<NodeId, { term: number; log: LogView }>();
  /** Entries a client was told are committed: index -> term. */
  readonly acknowledged = new Map<number, number>();
  maxAcknowledgedIndex = 0;
  readsServed = 0;

  /** A node is leader of `term` now (called after every step it took). */
  recordLeader(node: NodeId, term: number, log: LogView): void {
    const existing = this.leaderOfTerm.get(term);
    if (existing !== undefined && existing !== node) {
      throw new SafetyViolation(`election safety: ${existing} and ${node} are both leaders of term ${term}`);
    }
    const known = this.leaders.get(node);
    this.leaders.set(node, { term, log });
    if (existing === undefined || known?.term !== term) {
      this.leaderOfTerm.set(term, node);
      this.checkLeaderCompleteness(node, term, log);
    }
  }

  recordNotLeader(node: NodeId): void {
    this.leaders.delete(node);
  }

  private checkLeaderCompleteness(node: NodeId, term: number, log: LogView): void {
    // Only entries committed in earlier terms bind this leader (§5.4.3): a
    // stale leader of an old term may legitimately lack later entries.
    for (const [index, { entryTerm, commitTerm }] of this.committed) {
      if (commitTerm >= term || index < log.firstIndex()) continue;
      const ours = log.term(index);
      if (ours !== entryTerm) {
        throw new SafetyViolation(
          `leader completeness: ${node} leads term ${term} but holds term ${ours} at ${index}, where ${entryTerm}/${index} was committed in term ${commitTerm}`,
        );
      }
    }
  }

  /** A node's log received `entries` (persisted), after `previousTerm` at entries[0].index - 1. */
  recordAppend(node: NodeId, entries: readonly Entry[], previousTerm: number | undefined): void {
    let previous = previousTerm;
    for (const entry of entries) {
      const key = `${entry.index}/${entry.term}`;
      const record = { fingerprint: fingerprint(entry), previousTerm: previous, node };
      const existing = this.entries.get(key);
      if (!existing) this.entries.set(key, record);
      else if (existing.fingerprint !== record.fingerprint) {
        throw new SafetyViolation(`log matching: ${existing.node} and ${node} hold different entries at ${key}`);
      } else if (
        existing.previousTerm !== undefined &&
        record.previousTerm !== undefined &&
        existing.previousTerm !== record.previousTerm
      ) {
        throw new SafetyViolation(
          `log matching: ${existing.node} and ${node} agree at ${key} but differ before it (terms ${existing.previousTerm} and ${record.previousTerm})`,
        );
      }
      previous = entry.term;
    }
  }

  /** A node's state machine applied `entry`, reaching `hash`. */
  recordApply(node: NodeId, entry: Entry, hash: number): void {
    const print = fingerprint(entry);
    const existing = this.applied.get(entry.index);
    if (!existing) {
      this.applied.set(entry.index, { term: entry.term, fingerprint: print, node });
    } else if (existing.term !== entry.term || existing.fingerprint !== print) {
      throw new SafetyViolation(
        `state machine safety: ${existing.node} applied ${existing.term}/${entry.index} but ${node} applied ${entry.term}/${entry.index}`,
      );
    }
    this.recordStateHash(node, entry.index, hash);
  }

  /** A node restored its state machine from a snapshot at `index`. */
  recordRestore(node: NodeId, index: number, hash: number): void {
    this.recordStateHash(node, index, hash);
  }

  private recordStateHash(node: NodeId, index: number, hash: number): void {
    const existing = this.stateHash.get(index);
    if (!existing) this.stateHash.set(index, { hash, node });
    else if (existing.hash !== hash) {
      throw new SafetyViolation(
        `state machine safety: ${existing.node} and ${node} reached different states at ${index}`,
      );
    }
  }

  /**
   * A node's commit index passed `index`, whose entry is of `entryTerm`;
   * `commitTerm` is the node's term (for a leader, the term it committed in).
   */
  recordCommit(node: NodeId, index: number, entryTerm: number, commitTerm: number): void {
    const existing = this.committed.get(index);
    if (existing) {
      if (existing.entryTerm !== entryTerm) {
        throw new SafetyViolation(
          `state machine safety: ${node} committed ${entryTerm}/${index} over committed ${existing.entryTerm}/${index}`,
        );
      }
      if (commitTerm >= existing.commitTerm) return;
    }
    this.committed.set(index, { entryTerm, commitTerm });
    // Every leader of a later term must already hold it (§5.4.3).
    for (const [leaderId, leader] of this.leaders) {
      if (leader.term <= commitTerm || index < leader.log.firstIndex()) continue;
      const ours = leader.log.term(index);
      if (ours !== entryTerm) {
        throw new SafetyViolation(
          `leader completeness: ${leaderId} leads term ${leader.term} without ${entryTerm}/${index}, committed in term ${commitTerm}`,
        );
      }
    }
  }

  /** A client was told the entry at (index, term) is committed. */
  recordAcknowledged(index: number, term: number): void {
    const committedTerm = this.committed.get(index)?.entryTerm;
    if (committedTerm !== undefined && committedTerm !== term) {
      throw new SafetyViolation(`acknowledged ${term}/${index} but ${committedTerm}/${index} is the committed entry`);
    }
    this.acknowledged.set(index, term);
    this.maxAcknowledgedIndex = Math.max(this.maxAcknowledgedIndex, index);
  }

  /**
   * Linearizable reads (thesis §6.4): a read may be served at `readIndex` only
   * if that covers every write acknowledged before the read was asked for.
   */
  recordRead(node: NodeId, readIndex: number, acknowledgedBeforeRequest: number): void {
    if (readIndex < acknowledgedBeforeRequest) {
      throw new SafetyViolation(
        `linearizability: ${node} may serve a read at ${readIndex}, missing the write acknowledged at ${acknowledgedBeforeRequest}`,
      );
    }
    this.readsServed += 1;
  }

  appliedTermAt(index: number): number | undefined {
    return this.applied.get(index)?.term;
  }

  stateHashAt(index: number): number | undefined {
    return this.stateHash.get(index)?.hash;
  }
}
