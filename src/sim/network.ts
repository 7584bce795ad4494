/**
 * The simulated network between servers: per-message loss, duplication and
 * delay (reordering follows from unequal delays), and partitions as a set
 * of blocked directed links (a symmetric partition blocks both directions).
 */
import type { NodeId } from "../raft/index.js";
import type { Prng } from "./prng.js";

export interface NetworkParams {
  readonly dropRate: number;
  readonly duplicateRate: number;
  readonly delayMinMs: number;
  readonly delayMaxMs: number;
  /** Share of messages held much longer (stale messages arriving after a term change). */
  readonly longDelayRate: number;
  readonly longDelayMaxMs: number;
}

export const calmNetwork: NetworkParams = {
  dropRate: 0,
  duplicateRate: 0,
  delayMinMs: 1,
  delayMaxMs: 5,
  longDelayRate: 0,
  longDelayMaxMs: 0,
};

export type Delivery =
  | { readonly fate: "blocked" }
  | { readonly fate: "lost" }
  | { readonly fate: "delivered"; readonly delaysMs: number[] };

export class SimNetwork {
  private readonly blocked = new Set<string>();
  /** Directed links that lose messages more often than the network at large: link -> loss rate. */
  private readonly lossy = new Map<string, number>();

  constructor(
    private readonly random: Prng,
    public params: NetworkParams,
  ) {}

  block(from: NodeId, to: NodeId): void {
    this.blocked.add(`${from}>${to}`);
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.has(`${from}>${to}`);
  }

  /** Heals partitions and lossy links. */
  heal(): void {
    this.blocked.clear();
    this.lossy.clear();
  }

  /** Makes the link `from` -> `to` lose this share of its messages (0 restores it). */
  setLinkLoss(from: NodeId, to: NodeId, rate: number): void {
    if (rate > 0) this.lossy.set(`${from}>${to}`, rate);
    else this.lossy.delete(`${from}>${to}`);
  }

  /** Splits servers into groups that cannot talk to each other. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const group of groups) {
      for (const other of groups) {
        if (other === group) continue;
        for (const from of group) for (const to of other) this.block(from, to);
      }
    }
  }

  describeBlocked(): string {
    return [...this.blocked].sort().join(" ");
  }

  /** Decides what happens to one message sent now. */
  plan(from: NodeId, to: NodeId): Delivery {
    if (this.isBlocked(from, to)) return { fate: "blocked" };
    const { params, random } = this;
    const dropRate = Math.max(params.dropRate, this.lossy.get(`${from}>${to}`) ?? 0);
    if (random.chance(dropRate)) return { fate: "lost" };
    const delaysMs = [this.delay()];
    if (random.chance(params.duplicateRate)) delaysMs.push(this.delay());
    return { fate: "delivered", delaysMs };
  }

  private delay(): number {
    const { params, random } = this;
    if (params.longDelayRate > 0 && random.chance(params.longDelayRate)) {
      return random.between(params.delayMaxMs, Math.max(params.delayMaxMs, params.longDelayMaxMs));
    }
    return random.between(params.delayMinMs, params.delayMaxMs);
  }
}
