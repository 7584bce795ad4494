/**
 * One seed's run: a cluster and its fault profile drawn from the seed, a
 * fault phase, then a healed phase in which a leader must emerge and a
 * proposal must be applied by every member within a bound. The fault phase
 * is one of two families: most seeds run the random schedule of chaos.ts
 * (crashes, pauses, partitions, lossy network, membership changes,
 * leadership transfers, client load); a share run the Figure 8 nemesis of
 * figure8.ts, which drives three servers into the situation of Raft §5.4.2
 * that random faults reach too rarely.
 */
import type { RaftConfig, UnsafeTestFaults } from "../raft/index.js";
import { isVoter } from "../raft/index.js";
import { Chaos } from "./chaos.js";
import { SafetyViolation } from "./checker.js";
import { Figure8Nemesis } from "./figure8.js";
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

/** Share of seeds that run the Figure 8 family (figure8.ts) instead of the random fault schedule. */
const figure8Share = 0.2;

function drawConfig(random: Prng, bigValues: boolean): Partial<RaftConfig> {
  const heartbeatTicks = random.between(1, 3);
  const electionTicks = random.between(Math.max(5, 2 * heartbeatTicks), 15);
  return {
    electionTicks,
    heartbeatTicks,
    preVote: random.chance(0.8),
    checkQuorum: random.chance(0.8),
    // Small limits, so flow control, batching and snapshots are exercised.
    messageBytesMax: random.pick(bigValues ? [1024, 2048] : [1024, 2048, 64 * 1024]),
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
  const figure8 = random.chance(figure8Share);
  // Some clusters start with a lone voter (non-voters join it later): its commit rests on its own write alone.
  const founderCount = figure8 ? 3 : random.chance(0.15) ? 1 : random.chance(0.6) ? 3 : 5;
  const founders = Array.from({ length: founderCount }, (_, i) => `n${i + 1}`);
  // The Figure 8 family writes big values, so a leader's older entries and its own travel in different appends.
  const config = drawConfig(random, figure8);
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
    proposalBytes: figure8 ? random.between(300, 900) : 0,
  });
  // The Figure 8 family's clients write and read, and its nemesis makes every other fault.
  const intensity = figure8 ? 0 : random.pick([0.5, 1, 2, 4]);
  const chaos = new Chaos(world, random.fork(), founders, intensity);
  const nemesis = figure8 ? new Figure8Nemesis(world, random.fork()) : null;
  const family = figure8 ? "figure 8" : `fault intensity ${intensity}`;
  const summary = `${founders.length} founders, ${family}, config ${JSON.stringify(config)}, network ${JSON.stringify(network)}`;
  let failure = "";
  try {
    for (let time = chaosIntervalMs; time <= faultPhaseMs; time += chaosIntervalMs) {
      world.events.at(time, () => {
        chaos.step();
        nemesis?.step();
      });
    }
    world.runUntil(faultPhaseMs);
    nemesis?.stop();
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
    summary: `${summary}, stats ${JSON.stringify({ ...world.stats, readsServed: world.checker.readsServed, acknowledged: world.checker.acknowledged.size, ...(nemesis ? { figure8Cycles: nemesis.cycles, figure8Completed: nemesis.completed } : {}) })}`,
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
