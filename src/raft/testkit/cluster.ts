/**
 * A hand-driven cluster of RaftNodes over MemoryStorage, for scripted
 * interaction tests: nothing happens unless a command makes it happen, and
 * every Ready and delivery is reported as text.
 */
import { assert } from "../../lib/index.js";
import type { RaftConfig } from "../config.js";
import { bootstrapLog } from "../membership.js";
import type { Message } from "../messages.js";
import { RaftNode } from "../node.js";
import { MemoryStorage } from "../storage.js";
import type { Configuration, Entry, NodeId, Snapshot } from "../types.js";
import { toLogIndex } from "../types.js";
import { formatMessage, formatReady } from "./format.js";

export interface ClusterMember {
  readonly id: NodeId;
  node: RaftNode;
  readonly storage: MemoryStorage;
  readonly config: Partial<RaftConfig>;
  /** Extra election ticks this node draws (its randomized timeout is electionTicks + jitter). */
  readonly jitter: number;
  /** Entries this member's state machine applied, in order (its FSM). */
  applied: Entry[];
  crashed: boolean;
}

export class InteractionCluster {
  readonly members = new Map<NodeId, ClusterMember>();
  /** Messages sent but not yet delivered, in send order. */
  pending: Message[] = [];
  /** Partition groups: a message crossing groups is dropped at delivery. Empty means fully connected. */
  private groups: NodeId[][] = [];

  member(id: NodeId): ClusterMember {
    const member = this.members.get(id);
    assert(member !== undefined, `no node ${id}`);
    return member;
  }

  /** Creates a node; `configuration` bootstraps its log, or it starts empty to join later. */
  addNode(id: NodeId, configuration: Configuration | null, config: Partial<RaftConfig>, jitter = 0): void {
    assert(!this.members.has(id), `node ${id} exists`);
    const storage = new MemoryStorage();
    if (configuration) {
      const bootstrap = bootstrapLog(configuration);
      storage.append(bootstrap.entries);
      storage.setHardState(bootstrap.hardState);
    }
    const member: ClusterMember = {
      id,
      node: this.newNode(id, storage, config, jitter, 0),
      storage,
      config,
      jitter,
      applied: [],
      crashed: false,
    };
    this.members.set(id, member);
  }

  private newNode(
    id: NodeId,
    storage: MemoryStorage,
    config: Partial<RaftConfig>,
    jitter: number,
    applied: number,
  ): RaftNode {
    // A fixed jitter instead of a random one, so scripts are predictable.
    const randomInt = (bound: number) => Math.min(jitter, bound - 1);
    return new RaftNode({ id, storage, config, randomInt, applied: toLogIndex(applied) });
  }

  /** Handles one Ready: persist, queue messages, apply, advance. Returns its description. */
  processReady(id: NodeId): string[] {
    const member = this.member(id);
    if (member.crashed || !member.node.hasReady()) return [];
    const ready = member.node.ready();
    this.pending.push(...ready.messagesBeforePersist);
    if (ready.snapshot) member.storage.applySnapshot(ready.snapshot);
    member.storage.append(ready.entries);
    if (ready.hardState) member.storage.setHardState(ready.hardState);
    this.pending.push(...ready.messages);
    if (ready.snapshot) member.applied = [];
    member.applied.push(...ready.committedEntries);
    member.node.advance();
    return formatReady(ready);
  }

  /**
   * Takes the node's Ready, sends what may leave before persisting (step 0 of
   * ready.ts), then crashes it before anything of the Ready is written.
   */
  crashBeforePersist(id: NodeId): string[] {
    const member = this.member(id);
    if (member.crashed || !member.node.hasReady()) return [];
    const ready = member.node.ready();
    this.pending.push(...ready.messagesBeforePersist);
    this.crash(id);
    return ready.messagesBeforePersist.map((message) => `send early: ${formatMessage(message)}`);
  }

  /** Delivers pending messages addressed to `ids` (all when empty), in order; reports each. */
  deliver(ids: readonly NodeId[], drop = false): string[] {
    const lines: string[] = [];
    const keep: Message[] = [];
    const batch = this.pending;
    this.pending = [];
    for (const message of batch) {
      const crashed = this.members.get(message.to)?.crashed === true;
      // Messages to a crashed server are lost whoever is being delivered to.
      if (ids.length > 0 && !ids.includes(message.to) && !crashed) {
        keep.push(message);
        continue;
      }
      const target = this.members.get(message.to);
      if (drop || !target || target.crashed || !this.connected(message.from, message.to)) {
        lines.push(`dropped: ${formatMessage(message)}`);
        continue;
      }
      lines.push(`recv: ${formatMessage(message)}`);
      target.node.step(message);
    }
    this.pending = [...keep, ...this.pending];
    return lines;
  }

  /** Processes Readys and delivers messages until nothing moves. */
  stabilize(ids: readonly NodeId[]): string[] {
    const targets = ids.length ? ids : [...this.members.keys()];
    const lines: string[] = [];
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const id of targets) {
        const readyLines = this.processReady(id);
        if (readyLines.length) {
          moved = true;
          lines.push(`> ${id} ready`, ...readyLines.map((line) => `  ${line}`));
        }
      }
      const deliverable = this.pending.filter(
        (message) => targets.includes(message.to) || this.members.get(message.to)?.crashed,
      );
      if (deliverable.length) {
        moved = true;
        const deliveryLines = this.deliver(targets);
        lines.push("> deliver", ...deliveryLines.map((line) => `  ${line}`));
      }
      if (!moved) return lines;
    }
    throw new Error("stabilize did not converge in 1000 rounds");
  }

  partition(groups: NodeId[][]): void {
    this.groups = groups;
  }

  connected(from: NodeId, to: NodeId): boolean {
    if (this.groups.length === 0) return true;
    const groupOf = (id: NodeId) => this.groups.findIndex((group) => group.includes(id));
    return groupOf(from) === groupOf(to);
  }

  crash(id: NodeId): void {
    const member = this.member(id);
    member.crashed = true;
    this.pending = this.pending.filter((message) => message.to !== id);
  }

  /** Restarts from what the node persisted; its FSM survives (applied index included). */
  restart(id: NodeId): void {
    const member = this.member(id);
    const appliedIndex =
      member.applied[member.applied.length - 1]?.index ?? member.storage.initialState().snapshotMeta.index;
    member.node = this.newNode(id, member.storage, member.config, member.jitter, appliedIndex);
    member.crashed = false;
  }

  /** Takes a snapshot at the node's applied index and drops the log before it, keeping `keep` entries. */
  compact(id: NodeId, keep: number): void {
    const member = this.member(id);
    const status = member.node.status();
    const term = member.storage.term(status.applied);
    assert(term !== undefined, `no term at ${status.applied}`);
    const snapshot: Snapshot = {
      meta: { index: status.applied, term, configuration: status.appliedConfiguration },
      data: new TextEncoder().encode(`snapshot@${status.applied}`),
    };
    member.storage.createSnapshot(snapshot);
    member.storage.compact(toLogIndex(Math.max(0, status.applied - keep)));
  }
}
