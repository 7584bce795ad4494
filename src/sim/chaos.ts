/**
 * The random fault schedule of a seed: every chaos interval a client may
 * write or read, and, scaled by the seed's intensity, a server may crash
 * (often in the middle of a write) or pause, the network may split, heal or
 * cut one direction of a link, and the leader may change the membership
 * (add a spare as a non-voter, promote, demote or remove, down to one voter)
 * or hand over leadership.
 */
import type { ConfigChange, NodeId } from "../raft/index.js";
import { voterIds } from "../raft/index.js";
import type { Prng } from "./prng.js";
import type { SimNode } from "./simnode.js";
import type { World } from "./world.js";

export class Chaos {
  private spareCount = 0;

  constructor(
    private readonly world: World,
    private readonly random: Prng,
    private readonly founders: readonly NodeId[],
    /** Scales how often faults strike: some seeds are calm, some violent. */
    private readonly intensity: number,
  ) {}

  step(): void {
    const { random, intensity } = this;
    if (random.chance(0.3)) this.propose();
    if (random.chance(0.05)) this.read();
    if (random.chance(0.004 * intensity)) this.crash();
    if (random.chance(0.003 * intensity)) this.pause();
    if (random.chance(0.006 * intensity)) this.changePartitions();
    if (random.chance(0.004 * intensity)) this.changeMembership();
    if (random.chance(0.003 * intensity)) this.transferLeadership();
  }

  /** Servers a client can talk to now. */
  private alive(): SimNode[] {
    return [...this.world.nodes.values()].filter((node) => node.alive && !this.world.isPaused(node));
  }

  private pause(): void {
    const alive = this.alive();
    if (alive.length === 0) return;
    this.world.stats.pauses += 1;
    this.world.pause(this.random.pick(alive), this.random.between(20, 1_500));
  }

  propose(): void {
    const alive = this.alive();
    if (alive.length === 0) return;
    // Clients mostly find the leader; sometimes they ask a random server.
    const leader = this.world.leader();
    const target = leader && this.random.chance(0.8) ? leader : this.random.pick(alive);
    this.world.propose(target);
  }

  private read(): void {
    const alive = this.alive();
    if (alive.length > 0) this.world.read(this.random.pick(alive));
  }

  private crash(): void {
    const alive = this.alive();
    if (alive.length === 0) return;
    // Half the time power fails under a write in progress (when there is one): the riskiest moment,
    // when messages sent before the write (a leader's appends, or a faulty driver's acks) are out and
    // the write may not survive.
    const writing = alive.filter((node) => node.writing !== null);
    const node = this.random.pick(writing.length > 0 && this.random.chance(0.5) ? writing : alive);
    this.world.crash(node);
    const downtimeMs = this.random.between(20, 1_500);
    this.world.events.after(downtimeMs, () => {
      if (!node.alive) this.world.start(node);
    });
  }

  private changePartitions(): void {
    const { world, random } = this;
    const ids = [...world.nodes.keys()];
    if (ids.length < 2) return;
    world.stats.partitions += 1;
    switch (random.int(4)) {
      case 0:
        world.network.heal();
        world.log("network heals");
        return;
      case 1: {
        const shuffled = [...ids].sort(() => random.float() - 0.5);
        const cut = random.between(1, Math.max(1, shuffled.length - 1));
        world.network.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
        world.log(`partition ${shuffled.slice(0, cut).join(",")} | ${shuffled.slice(cut).join(",")}`);
        return;
      }
      case 2: {
        const isolated = random.pick(ids);
        world.network.partition([[isolated], ids.filter((id) => id !== isolated)]);
        world.log(`isolate ${isolated}`);
        return;
      }
      default: {
        const from = random.pick(ids);
        const to = random.pick(ids.filter((id) => id !== from));
        world.network.block(from, to);
        world.log(`block one way ${from} -> ${to}`);
        return;
      }
    }
  }

  /**
   * One single-server change proposed to the leader: a spare joins as a
   * non-voter, a non-voter is promoted, a voter (the leader too) is demoted
   * or a server removed, down to a lone voter (the core refuses to remove or
   * demote the last one, so it is never offered).
   */
  private changeMembership(): void {
    const { world, random } = this;
    const leader = world.leader();
    const raft = leader?.raft;
    if (!leader || !raft) return;
    const configuration = raft.status().configuration;
    const voters = voterIds(configuration);
    const nonVoters = configuration.servers
      .filter((server) => server.suffrage === "nonvoter")
      .map((server) => server.id);
    const choice = random.int(4);
    world.stats.configChanges += 1;
    let change: ConfigChange | null = null;
    if (choice === 0 && configuration.servers.length < this.founders.length + 2) {
      const id = `s${++this.spareCount}`;
      world.start(world.addNode(id));
      change = { type: "addNonVoter", id, address: id };
    } else if (choice === 1 && nonVoters.length > 0) {
      const id = random.pick(nonVoters);
      change = { type: "addVoter", id, address: id };
    } else if (choice === 2 && voters.length > 1) {
      const id = random.pick(voters);
      change = { type: "addNonVoter", id, address: id };
    } else if (voters.length > 1 || nonVoters.length > 0) {
      const id = random.pick(voters.length > 1 ? [...voters, ...nonVoters] : nonVoters);
      change = { type: "removeServer", id };
    }
    if (change === null) return;
    const proposed = change;
    leader.whenIdle((core) =>
      world.log(
        `${leader.id} proposes ${JSON.stringify(proposed)}: ${JSON.stringify(core.proposeConfigChange(proposed))}`,
      ),
    );
    world.drive(leader);
  }

  private transferLeadership(): void {
    const { world, random } = this;
    const leader = world.leader();
    const raft = leader?.raft;
    if (!leader || !raft) return;
    const others = voterIds(raft.status().configuration).filter((id) => id !== leader.id);
    if (others.length === 0) return;
    const to = random.pick(others);
    world.stats.transfers += 1;
    leader.whenIdle((core) =>
      world.log(`${leader.id} transfer to ${to}: ${JSON.stringify(core.transferLeadership(to))}`),
    );
    world.drive(leader);
  }
}
