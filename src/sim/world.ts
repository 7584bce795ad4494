/**
 * A simulated cluster: SimNodes, the network between them, the virtual clock
 * and the safety checker, wired so that every event (a tick, a delivery, a
 * client call, a fault) is followed by the affected driver's loop and a
 * check of the leaders.
 */
import type { Configuration, Message, NodeId, RaftConfig, UnsafeTestFaults } from "../raft/index.js";
import { bootstrapLog, isMember } from "../raft/index.js";
import { formatMessage } from "../raft/testkit/index.js";
import { SafetyChecker } from "./checker.js";
import { EventQueue } from "./events.js";
import type { NetworkParams } from "./network.js";
import { SimNetwork } from "./network.js";
import type { Prng } from "./prng.js";
import type { DriverFaults } from "./simnode.js";
import { SimNode } from "./simnode.js";

export interface WorldOptions {
  readonly random: Prng;
  readonly founders: readonly NodeId[];
  readonly config: Partial<RaftConfig>;
  readonly network: NetworkParams;
  readonly tickMs: number;
  /** A synced write takes from 1 ms to this long; other servers run meanwhile. */
  readonly syncLatencyMaxMs: number;
  readonly snapshotEvery: number;
  readonly trailingEntries: number;
  readonly coreFaults: UnsafeTestFaults;
  readonly driverFaults: DriverFaults;
  /** Keep this many trace lines for a failure report (0: trace nothing, faster). */
  readonly traceLines: number;
  /** Client proposals are padded to this many bytes (big values: fewer entries fit in one append). */
  readonly proposalBytes: number;
}

/** What a scenario may react to, at the moment the driver learns it (see SimNodeOptions). */
export interface WorldHooks {
  leaderElected?: (node: SimNode, term: number) => void;
  leaderCommit?: (node: SimNode, commit: number) => void;
}

export class World {
  readonly events = new EventQueue();
  readonly checker = new SafetyChecker();
  readonly network: SimNetwork;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly trace: string[] = [];
  readonly hooks: WorldHooks = {};
  private proposalCount = 0;
  private readCount = 0;
  stats = {
    proposed: 0,
    crashes: 0,
    crashesMidWrite: 0,
    pauses: 0,
    configChanges: 0,
    transfers: 0,
    partitions: 0,
    snapshotsSent: 0,
  };

  constructor(readonly options: WorldOptions) {
    this.network = new SimNetwork(options.random.fork(), options.network);
    const configuration: Configuration = {
      servers: options.founders.map((id) => ({ id, address: id, suffrage: "voter" as const })),
    };
    const bootstrap = bootstrapLog(configuration);
    for (const id of options.founders) {
      const node = this.addNode(id);
      node.disk.write({ kind: "append", entries: bootstrap.entries });
      node.disk.write({ kind: "hardState", hardState: bootstrap.hardState });
      node.disk.sync();
      this.checker.recordAppend(id, bootstrap.entries, 0);
      this.start(node);
    }
  }

  get random(): Prng {
    return this.options.random;
  }

  log(line: string): void {
    if (this.options.traceLines === 0) return;
    this.trace.push(`${String(this.events.now).padStart(6)}ms ${line}`);
    if (this.trace.length > this.options.traceLines * 2)
      this.trace.splice(0, this.trace.length - this.options.traceLines);
  }

  /** A server with an empty disk (a founder before bootstrap, or a spare that will join). */
  addNode(id: NodeId): SimNode {
    const node = new SimNode({
      id,
      config: this.options.config,
      random: this.random.fork(),
      checker: this.checker,
      send: (message, sender) => this.send(message, sender),
      awaitSync: (node, finish) => this.awaitSync(node, finish),
      coreFaults: this.options.coreFaults,
      driverFaults: this.options.driverFaults,
      onLeaderElected: (node, term) => {
        this.log(`${node.id} leads term ${term}`);
        this.hooks.leaderElected?.(node, term);
      },
      onLeaderCommit: (node, commit) => this.hooks.leaderCommit?.(node, commit),
      snapshotEvery: this.options.snapshotEvery,
      trailingEntries: this.options.trailingEntries,
    });
    this.nodes.set(id, node);
    return node;
  }

  start(node: SimNode): void {
    node.start();
    this.log(`${node.id} starts (incarnation ${node.incarnation})`);
    const incarnation = node.incarnation;
    // Each server's timer runs a little fast or slow (clock drift), from 80% to 120% of a tick.
    const periodMs = Math.max(1, Math.round(this.options.tickMs * (0.8 + 0.4 * this.random.float())));
    const tick = () => {
      if (node.incarnation !== incarnation || !node.alive) return;
      if (this.isPaused(node)) {
        this.events.at(node.pausedUntilMs, tick);
        return;
      }
      node.whenIdle((raft) => raft.tick());
      this.drive(node);
      this.events.after(periodMs, tick);
    };
    this.events.after(1 + this.random.int(periodMs), tick);
  }

  /** A stopped process (SIGSTOP, a long GC pause): it keeps its state but neither ticks nor reads messages. */
  pause(node: SimNode, durationMs: number): void {
    node.pausedUntilMs = Math.max(node.pausedUntilMs, this.events.now + durationMs);
    this.log(`${node.id} paused until ${node.pausedUntilMs}ms`);
  }

  isPaused(node: SimNode): boolean {
    return node.pausedUntilMs > this.events.now;
  }

  resumeAll(): void {
    for (const node of this.nodes.values()) node.pausedUntilMs = Math.min(node.pausedUntilMs, this.events.now);
  }

  crash(node: SimNode): void {
    this.stats.crashes += 1;
    if (node.writing) this.stats.crashesMidWrite += 1;
    node.crash(this.random);
    this.checker.recordNotLeader(node.id);
    this.log(`${node.id} crashes`);
  }

  /** Runs a node's driver, then checks who leads. */
  drive(node: SimNode): void {
    // A paused process runs queued calls when it resumes (its next tick drives it).
    if (this.isPaused(node)) return;
    node.drive();
    const raft = node.raft;
    if (raft?.role === "leader") this.checker.recordLeader(node.id, raft.term, node.log);
    else this.checker.recordNotLeader(node.id);
  }

  private send(message: Message, sender: SimNode): void {
    const plan = this.network.plan(message.from, message.to);
    const incarnation = sender.incarnation;
    if (plan.fate !== "delivered") {
      if (this.options.traceLines) this.log(`${plan.fate}: ${formatMessage(message)}`);
      // A broken connection is visible to the transport; a silently lost packet is not.
      if (message.type === "installSnapshot")
        this.report(sender, incarnation, (raft) => raft.reportSnapshot(message.to, "failed"));
      else if (plan.fate === "blocked" && message.type === "appendEntries") {
        this.report(sender, incarnation, (raft) => raft.reportUnreachable(message.to));
      }
      return;
    }
    if (message.type === "installSnapshot") this.stats.snapshotsSent += 1;
    for (const delayMs of plan.delaysMs) this.events.after(delayMs, () => this.deliver(message, sender, incarnation));
  }

  /** Finishes `node`'s write after the disk's latency, unless it crashed first; a paused process finishes it when it runs again. */
  private awaitSync(node: SimNode, finish: () => void): void {
    const incarnation = node.incarnation;
    const run = () => {
      if (node.incarnation !== incarnation || !node.alive) return;
      if (this.isPaused(node)) {
        this.events.at(node.pausedUntilMs, run);
        return;
      }
      finish();
      this.drive(node);
    };
    this.events.after(this.random.between(1, this.options.syncLatencyMaxMs), run);
  }

  private report(sender: SimNode, incarnation: number, action: Parameters<SimNode["whenIdle"]>[0]): void {
    // Reported on the next event, as a transport's callback would arrive.
    const run = () => {
      if (sender.incarnation !== incarnation || !sender.alive) return;
      if (this.isPaused(sender)) {
        this.events.at(sender.pausedUntilMs, run);
        return;
      }
      sender.whenIdle(action);
      this.drive(sender);
    };
    this.events.after(0, run);
  }

  private deliver(message: Message, sender: SimNode, incarnation: number): void {
    const target = this.nodes.get(message.to);
    if (!target?.alive) {
      if (message.type === "installSnapshot")
        this.report(sender, incarnation, (raft) => raft.reportSnapshot(message.to, "failed"));
      return;
    }
    if (this.isPaused(target)) {
      // Held in the socket buffer until the process runs again.
      this.events.at(target.pausedUntilMs, () => this.deliver(message, sender, incarnation));
      return;
    }
    if (this.options.traceLines) this.log(`recv: ${formatMessage(message)}`);
    target.whenIdle((raft) => raft.step(message));
    this.drive(target);
    if (message.type === "installSnapshot")
      this.report(sender, incarnation, (raft) => raft.reportSnapshot(message.to, "finished"));
  }

  /** A client proposal to `node`; follows one redirect to the leader it names. */
  propose(node: SimNode, redirects = 1): void {
    const data = new TextEncoder().encode(`p${++this.proposalCount}`.padEnd(this.options.proposalBytes, "."));
    this.stats.proposed += 1;
    node.whenIdle((raft) => {
      const result = raft.propose(data);
      if (result.ok) {
        node.awaitingApply.set(result.index, result.term);
        this.log(`${node.id} accepted proposal at ${result.term}/${result.index}`);
        return;
      }
      const leader = this.nodes.get(result.leader);
      if (redirects > 0 && leader?.alive && leader !== node)
        this.events.after(1, () => this.propose(leader, redirects - 1));
    });
    this.drive(node);
  }

  /** A client's linearizable read at `node`, checked when the node may serve it. */
  read(node: SimNode): void {
    const context = `r${++this.readCount}`;
    node.pendingReads.set(context, this.checker.maxAcknowledgedIndex);
    node.whenIdle((raft) => {
      if (!raft.readIndex(new TextEncoder().encode(context)).ok) node.pendingReads.delete(context);
    });
    this.drive(node);
  }

  /** The live node that leads the highest term, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const node of this.nodes.values()) {
      const raft = node.raft;
      if (raft?.role !== "leader" || this.isPaused(node)) continue;
      if (!best || raft.term > best.raft!.term) best = node;
    }
    return best;
  }

  /** Ids in `configuration` with a node object (members that exist in this world). */
  members(configuration: Configuration): SimNode[] {
    return [...this.nodes.values()].filter((node) => isMember(configuration, node.id));
  }

  runUntil(timeMs: number): void {
    while (this.events.runNext(timeMs)) {
      // Each event drives the nodes it touches; the checker throws on a violation.
    }
    this.events.now = Math.max(this.events.now, timeMs);
  }

  describe(): string[] {
    const lines: string[] = [];
    for (const node of this.nodes.values()) {
      const raft = node.raft;
      if (!raft) {
        lines.push(`${node.id}: down, applied=${node.fsm.appliedIndex}`);
        continue;
      }
      const status = raft.status();
      const voters = status.configuration.servers.map(
        (server) => `${server.id}${server.suffrage === "voter" ? "" : "(nv)"}`,
      );
      lines.push(
        `${node.id}: ${status.role} term=${status.term} leader=${status.leader || "-"} commit=${status.commit} applied=${status.applied} last=${status.lastIndex} config=[${voters.join(" ")}]`,
      );
    }
    if (this.network.describeBlocked()) lines.push(`blocked: ${this.network.describeBlocked()}`);
    return lines;
  }
}
