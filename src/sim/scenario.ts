/**
 * One seed's run: a cluster and its fault profile drawn from the seed, a
 * fault phase (crashes, partitions, lossy network, membership changes,
 * leadership transfers, client load), then a healed phase in which a leader
 * must emerge and a proposal must be applied by every member within a bound.
 */
import type { NodeId, RaftConfig, UnsafeTestFaults } from "../raft/index.js";
import { isVoter, voterIds } from "../raft/index.js";
import { SafetyViolation } from "./checker.js";
import type { NetworkParams } from "./network.js";
import { calmNetwork } from "./network.js";
import { Prng } from "./prng.js";
import type { DriverFaults, SimNode } from "./simnode.js";
import { World } from "./world.js";

export interface SeedOptions {
  readonly coreFaults?: UnsafeTestFaults;
  readonly driverFaults?: DriverFaults;
  /** Trace lines kept for the failure report (0 for speed). */
  readonly traceLines?: number;
}

export interface SeedResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly failure: string;
  readonly virtualMs: number;
  readonly summary: string;
  readonly state: readonly string[];
  readonly trace: readonly string[];
}

/** The seeds `npm test` runs (1..defaultSeedCount); `npm run sim` runs any range. */
export const defaultSeedCount = 300;

const tickMs = 10;
const faultPhaseMs = 4_000;
/** After healing, a leader must be elected and a proposal applied everywhere within this. */
const livenessBoundMs = 5_000;
const chaosIntervalMs = 10;

function drawConfig(random: Prng): Partial<RaftConfig> {
  const heartbeatTicks = random.between(1, 3);
  const electionTicks = random.between(Math.max(5, 2 * heartbeatTicks), 15);
  return {
    electionTicks,
    heartbeatTicks,
    preVote: random.chance(0.8),
    checkQuorum: random.chance(0.8),
    // Small limits, so flow control, batching and snapshots are exercised.
    messageBytesMax: random.pick([1024, 2048, 64 * 1024]),
    inflightMessagesMax: random.pick([1, 2, 4, 16, 256]),
    inflightBytesMax: 64 * 1024,
    uncommittedBytesMax: 64 * 1024,
    committedBytesPerReadyMax: random.pick([1024, 64 * 1024]),
  };
}

function drawNetwork(random: Prng): NetworkParams {
  return {
    dropRate: random.pick([0, 0.01, 0.05, 0.15]),
    duplicateRate: random.pick([0, 0.01, 0.05]),
    delayMinMs: 1,
    delayMaxMs: random.pick([2, 10, 30]),
    longDelayRate: random.pick([0, 0.01, 0.03]),
    longDelayMaxMs: 300,
  };
}

class Chaos {
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
    const choice = random.int(3);
    world.stats.configChanges += 1;
    if (choice === 0 && configuration.servers.length < this.founders.length + 2) {
      const id = `s${++this.spareCount}`;
      const spare = world.addNode(id);
      world.start(spare);
      leader.whenIdle((core) =>
        world.log(
          `${leader.id} add nonvoter ${id}: ${JSON.stringify(core.proposeConfigChange({ type: "addNonVoter", id, address: id }))}`,
        ),
      );
    } else if (choice === 1 && nonVoters.length > 0) {
      const id = random.pick(nonVoters);
      leader.whenIdle((core) =>
        world.log(
          `${leader.id} promote ${id}: ${JSON.stringify(core.proposeConfigChange({ type: "addVoter", id, address: id }))}`,
        ),
      );
    } else if (voters.length > 2) {
      const id = random.pick([...voters, ...nonVoters]);
      leader.whenIdle((core) =>
        world.log(
          `${leader.id} remove ${id}: ${JSON.stringify(core.proposeConfigChange({ type: "removeServer", id }))}`,
        ),
      );
    }
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

/** Heals everything, then waits for a leader whose fresh proposal every member applies. */
function checkLiveness(world: World, chaos: Chaos): string {
  world.network.heal();
  world.network.params = calmNetwork;
  world.resumeAll();
  for (const node of world.nodes.values()) if (!node.alive) world.start(node);
  world.log("healed: network calm, every server up");
  const deadline = world.events.now + livenessBoundMs;
  let probe: { node: SimNode; index: number; term: number } | undefined;
  while (world.events.now < deadline) {
    world.runUntil(world.events.now + 20);
    const leader = world.leader();
    const raft = leader?.raft;
    if (!leader || !raft) continue;
    if (probe && (probe.node !== leader || probe.term !== raft.term)) probe = undefined;
    if (!probe) {
      const before = raft.status().lastIndex;
      chaos.propose();
      const status = raft.status();
      if (status.role === "leader" && status.lastIndex > before)
        probe = { node: leader, index: status.lastIndex, term: status.term };
      continue;
    }
    if (world.checker.appliedTermAt(probe.index) !== probe.term) continue;
    const members = world.members(raft.status().configuration);
    const lagging = members.filter((node) => node.fsm.appliedIndex < Math.max(probe!.index, maxAcknowledged(world)));
    if (lagging.length === 0) return "";
  }
  return `liveness: no proposal applied by every member within ${livenessBoundMs}ms of healing`;
}

function maxAcknowledged(world: World): number {
  let max = 0;
  for (const index of world.checker.acknowledged.keys()) max = Math.max(max, index);
  return max;
}

export function runSeed(seed: number, options: SeedOptions = {}): SeedResult {
  const random = new Prng(seed);
  // Some clusters start with a lone voter (non-voters join it later): its commit rests on its own write alone.
  const founderCount = random.chance(0.15) ? 1 : random.chance(0.6) ? 3 : 5;
  const founders = Array.from({ length: founderCount }, (_, i) => `n${i + 1}`);
  const config = drawConfig(random);
  const network = drawNetwork(random);
  const world = new World({
    random,
    founders,
    config,
    network,
    tickMs,
    snapshotEvery: random.pick([10, 30, 100]),
    trailingEntries: random.pick([0, 5, 20]),
    syncLatencyMaxMs: random.pick([1, 3, 8]),
    coreFaults: options.coreFaults ?? {},
    driverFaults: options.driverFaults ?? {},
    traceLines: options.traceLines ?? 0,
  });
  const intensity = random.pick([0.5, 1, 2, 4]);
  const chaos = new Chaos(world, random.fork(), founders, intensity);
  const summary = `${founders.length} founders, fault intensity ${intensity}, config ${JSON.stringify(config)}, network ${JSON.stringify(network)}`;
  let failure = "";
  try {
    for (let time = chaosIntervalMs; time <= faultPhaseMs; time += chaosIntervalMs) {
      world.events.at(time, () => chaos.step());
    }
    world.runUntil(faultPhaseMs);
    failure = checkLiveness(world, chaos);
    if (!failure) failure = checkAcknowledged(world);
  } catch (error) {
    const kind = error instanceof SafetyViolation ? "" : `${error instanceof Error ? error.name : "error"}: `;
    failure = `${kind}${error instanceof Error ? error.message : String(error)}`;
    if (options.traceLines && error instanceof Error && !(error instanceof SafetyViolation)) {
      world.trace.push(...(error.stack ?? "").split("\n").slice(0, 8));
    }
  }
  return {
    seed,
    ok: failure === "",
    failure,
    virtualMs: world.events.now,
    summary: `${summary}, stats ${JSON.stringify({ ...world.stats, readsServed: world.checker.readsServed, acknowledged: world.checker.acknowledged.size })}`,
    state: world.describe(),
    trace: world.trace,
  };
}

/** Every acknowledged entry is applied, unchanged, on every member of the final configuration. */
function checkAcknowledged(world: World): string {
  const leader = world.leader();
  const raft = leader?.raft;
  if (!raft) return "no leader at the end";
  for (const node of world.members(raft.status().configuration)) {
    for (const [index, term] of world.checker.acknowledged) {
      if (node.fsm.appliedIndex < index) return `acknowledged ${term}/${index} not applied on ${node.id}`;
    }
  }
  if (!isVoter(raft.status().configuration, leader!.id)) return "the final leader is not a voter";
  return "";
}
