/**
 * The Figure 8 family (Raft §5.4.2): a nemesis that drives three servers,
 * cycle after cycle, into the situation of the paper's Figure 8, where a new
 * leader finds entries of an older term that no quorum holds yet:
 *
 *  1. The leader (A) is cut off while a client that still believes in it
 *     keeps writing: A's log grows with entries of its term that only A has.
 *  2. The other two elect B, which is cut off the moment it wins (before its
 *     first append leaves), so B's entries of the newer term stay on B.
 *  3. A and the third server (C) talk again; A wins the next term, since its
 *     log is the longest C sees. Its links are lossy for a while, so its older
 *     entries (sent in several appends, the proposals being big) may reach C
 *     without its own no-op.
 *  4. A crashes right after its commit index first moves in that term, and B
 *     comes back.
 *
 * A leader that commits an older entry by counting replicas (the defect
 * §5.4.2 forbids) may by then have committed entries that C holds below no
 * entry newer than B's last: C votes for B, which lacks them, and leader
 * completeness fails. A correct leader commits only once its no-op is on a
 * quorum, so C holds it and refuses B; liveness is unaffected.
 *
 * Each step has a deadline; a cycle that goes another way is abandoned (the
 * network healed) and a new one starts.
 */
import type { Prng } from "./prng.js";
import type { SimNode } from "./simnode.js";
import type { World } from "./world.js";

type Phase =
  | { readonly kind: "idle"; readonly startAtMs: number }
  | { readonly kind: "oldLeaderCut"; readonly oldLeader: SimNode; readonly term: number; readonly deadlineMs: number }
  | {
      readonly kind: "rejoin";
      readonly oldLeader: SimNode;
      readonly cutLeader: SimNode;
      readonly term: number;
      readonly deadlineMs: number;
    }
  | { readonly kind: "newLeader"; readonly oldLeader: SimNode; readonly term: number; readonly deadlineMs: number };

/** How long a step may take before the cycle is abandoned. */
const stepDeadlineMs = 1_500;

export class Figure8Nemesis {
  private phase: Phase = { kind: "idle", startAtMs: 0 };
  private stopped = false;
  cycles = 0;
  completed = 0;

  constructor(
    private readonly world: World,
    private readonly random: Prng,
  ) {
    world.hooks.leaderElected = (node, term) => {
      if (!this.stopped) this.leaderElected(node, term);
    };
    world.hooks.leaderCommit = (node) => {
      if (!this.stopped) this.leaderCommit(node);
    };
  }

  /** The fault phase is over: react to nothing more (crashed servers still restart). */
  stop(): void {
    this.stopped = true;
  }

  /** Called every chaos interval. */
  step(): void {
    const { world, phase } = this;
    if (this.stopped) return;
    const now = world.events.now;
    if (phase.kind !== "idle" && now > phase.deadlineMs) {
      this.abandon();
      return;
    }
    switch (phase.kind) {
      case "idle":
        if (now >= phase.startAtMs) this.cutOffLeader();
        return;
      case "oldLeaderCut":
        // The client that still believes in A keeps writing to it.
        if (phase.oldLeader.alive && this.random.chance(0.5)) world.propose(phase.oldLeader, 0);
        return;
      default:
        return;
    }
  }

  private cutOffLeader(): void {
    const { world } = this;
    const leader = world.leader();
    const term = leader?.raft?.term;
    if (!leader || term === undefined || [...world.nodes.values()].some((node) => !node.alive)) return;
    this.cycles += 1;
    world.network.partition([[leader.id], this.others(leader)]);
    world.log(`figure 8: cut off leader ${leader.id} of term ${term}`);
    this.phase = { kind: "oldLeaderCut", oldLeader: leader, term, deadlineMs: world.events.now + stepDeadlineMs };
  }

  /** Runs inside the winner's driver, before its first messages leave: change the network, schedule the rest. */
  private leaderElected(node: SimNode, term: number): void {
    const { world, phase, random } = this;
    const deadlineMs = world.events.now + stepDeadlineMs;
    if (phase.kind === "oldLeaderCut" && node !== phase.oldLeader && term > phase.term) {
      world.network.heal();
      world.network.partition([[node.id], this.others(node)]);
      world.log(`figure 8: cut off ${node.id} as it wins term ${term}; ${phase.oldLeader.id} rejoins`);
      this.phase = { kind: "rejoin", oldLeader: phase.oldLeader, cutLeader: node, term, deadlineMs };
    } else if (phase.kind === "rejoin" && term > phase.term) {
      if (node !== phase.oldLeader) {
        this.abandon();
        return;
      }
      const lossRate = 0.3 + 0.5 * random.float();
      for (const id of this.others(node)) world.network.setLinkLoss(node.id, id, lossRate);
      world.log(`figure 8: ${node.id} wins term ${term}; its links lose ${lossRate.toFixed(2)} of its messages`);
      this.phase = { kind: "newLeader", oldLeader: node, term, deadlineMs };
    }
  }

  /** Runs inside the leader's driver: crash it (on the next event, once this driver step is over). */
  private leaderCommit(node: SimNode): void {
    const { world, phase } = this;
    if (phase.kind !== "newLeader" || node !== phase.oldLeader || node.raft?.term !== phase.term) return;
    this.completed += 1;
    this.phase = { kind: "idle", startAtMs: Number.POSITIVE_INFINITY };
    const incarnation = node.incarnation;
    world.events.after(0, () => {
      if (node.incarnation === incarnation && node.alive) world.crash(node);
      world.network.heal();
      world.log(`figure 8: ${node.id} crashed after its first commit of term ${phase.term}; network healed`);
      world.events.after(this.random.between(200, 800), () => {
        if (!node.alive) world.start(node);
        this.phase = { kind: "idle", startAtMs: world.events.now + this.random.between(100, 400) };
      });
    });
  }

  private abandon(): void {
    this.world.network.heal();
    this.world.log(`figure 8: cycle abandoned in ${this.phase.kind}; network healed`);
    this.phase = { kind: "idle", startAtMs: this.world.events.now + this.random.between(100, 400) };
  }

  private others(node: SimNode): string[] {
    return [...this.world.nodes.keys()].filter((id) => id !== node.id);
  }
}
