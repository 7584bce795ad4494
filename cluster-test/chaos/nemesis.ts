/**
 * Fires a fault schedule at a ChaosCluster: each fault at its time, undone
 * after its duration. A node hit by a process fault (kill, pause, slow
 * disk) is busy until it is whole again — a killed node until it has
 * restarted and been unsealed — and is not picked by another fault
 * meanwhile. One network fault (partition or delay) at a time: a new one
 * heals the one in effect first. A node fault prefers its
 * role (the active, a standby) and falls back to any free node; a fault with
 * no free target at all is recorded as skipped, not moved.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  bridgeLinks,
  cutAll,
  describeFault,
  healLinks,
  isolationLinks,
  type Link,
  pauseProcess,
  resolvePick,
  resumeProcess,
  type ScheduledFault,
} from "../faults/index.js";
import type { ChaosCluster } from "./chaos-cluster.js";
import type { ActiveMonitor } from "./monitor.js";

export interface FiredFault {
  readonly fault: ScheduledFault;
  /** What the target resolved to ("node2 (active)", "node1->node3"), or why it was skipped. */
  readonly target: string;
  readonly skipped: boolean;
  readonly firedAtMs: number;
  /** When it was undone (a killed node: restarted and unsealed); undefined if never undone. */
  healedAtMs?: number;
  error?: string;
}

export class Nemesis {
  readonly fired: FiredFault[] = [];
  readonly #chaos: ChaosCluster;
  readonly #monitor: ActiveMonitor;
  readonly #clock: () => number;
  readonly #busy = new Set<number>();
  /** The network fault in effect, if any. */
  #networkFault: FiredFault | undefined;
  readonly #undo = new Map<FiredFault, () => Promise<void>>();
  readonly #pending = new Set<Promise<void>>();
  #stopped = false;

  constructor(chaos: ChaosCluster, monitor: ActiveMonitor, clock: () => number) {
    this.#chaos = chaos;
    this.#monitor = monitor;
    this.#clock = clock;
  }

  /** Runs the schedule until it ends or `stop()` is called; faults in progress are left for `healAll`. */
  async run(schedule: readonly ScheduledFault[]): Promise<void> {
    for (const fault of schedule) {
      const waitMs = fault.startMs - this.#clock();
      if (waitMs > 0) await sleep(waitMs);
      if (this.#stopped) return;
      const fired = await this.#fire(fault);
      this.fired.push(fired);
      const undo = this.#undo.get(fired);
      if (undo === undefined) continue;
      const pending = sleep(fault.durationMs).then(() => this.#heal(fired));
      this.#pending.add(pending);
      void pending.finally(() => this.#pending.delete(pending));
    }
  }

  stop(): void {
    this.#stopped = true;
  }

  /** Undoes every fault still in effect now (restarts killed nodes) and waits for it. */
  async healAll(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#undo.keys()].map((fired) => this.#heal(fired)));
    await Promise.all([...this.#pending]);
  }

  async #heal(fired: FiredFault): Promise<void> {
    const undo = this.#undo.get(fired);
    if (undo === undefined) return;
    this.#undo.delete(fired);
    try {
      await undo();
    } catch (error) {
      fired.error = (error as Error).message;
    }
    fired.healedAtMs = this.#clock();
  }

  async #fire(fault: ScheduledFault): Promise<FiredFault> {
    const firedAtMs = this.#clock();
    try {
      const applied = await this.#apply(fault);
      if (applied === undefined) return { fault, target: "no eligible target", skipped: true, firedAtMs };
      const fired: FiredFault = { fault, target: applied.target, skipped: false, firedAtMs };
      this.#undo.set(fired, applied.undo);
      if (fault.kind === "partition" || fault.kind === "delay") this.#networkFault = fired;
      return fired;
    } catch (error) {
      return { fault, target: "failed to fire", skipped: true, firedAtMs, error: (error as Error).message };
    }
  }

  async #apply(fault: ScheduledFault): Promise<{ target: string; undo: () => Promise<void> } | undefined> {
    switch (fault.kind) {
      case "kill":
        return this.#onNode(fault, async (index) => {
          await this.#chaos.kill(index);
          return () => this.#chaos.restart(index);
        });
      case "pause":
        return this.#onNode(fault, async (index) => {
          const pid = this.#chaos.pid(index);
          if (pid === undefined) throw new Error("no process");
          pauseProcess(pid);
          return async () => resumeProcess(pid);
        });
      case "disk":
        return this.#onNode(fault, async (index) => {
          const pid = this.#chaos.pid(index);
          const disk = this.#chaos.slowDisk;
          if (pid === undefined || disk === undefined) throw new Error(`no slow disk: ${this.#chaos.slowDiskReason}`);
          await disk.slow(pid);
          return () => disk.restore(pid);
        });
      case "partition":
      case "delay":
        return this.#onNetwork(fault);
    }
  }

  /** Resolves a node target among eligible nodes, marks it busy until undone. */
  async #onNode(
    fault: ScheduledFault,
    apply: (index: number) => Promise<() => Promise<void>>,
  ): Promise<{ target: string; undo: () => Promise<void> } | undefined> {
    if (fault.target.kind !== "node") return undefined;
    const active = this.#monitor.latestActive();
    const all = [...Array(this.#chaos.size).keys()].filter(
      (index) => !this.#busy.has(index) && this.#chaos.running(index),
    );
    const role = fault.target.role;
    const preferred = all.filter((index) =>
      role === "active" ? index === active : role === "standby" ? index !== active : true,
    );
    // The role is a preference: with the active busy (or none), another node takes the fault rather than none.
    const index = resolvePick(fault.target.pick, preferred.length > 0 ? preferred : all);
    if (index === undefined) return undefined;
    this.#busy.add(index);
    let undo: () => Promise<void>;
    try {
      undo = await apply(index);
    } catch (error) {
      this.#busy.delete(index);
      throw error;
    }
    const label = `${this.#chaos.name(index)}${index === active ? " (active)" : ""}`;
    return {
      target: label,
      undo: async () => {
        try {
          await undo();
        } finally {
          this.#busy.delete(index);
        }
      },
    };
  }

  async #onNetwork(fault: ScheduledFault): Promise<{ target: string; undo: () => Promise<void> } | undefined> {
    if (this.#networkFault !== undefined) await this.#heal(this.#networkFault);
    const names = [...Array(this.#chaos.size).keys()].map((index) => this.#chaos.name(index));
    const network = this.#chaos.network;
    const pick = fault.target.pick;
    if (fault.kind === "delay") {
      const from = resolvePick(pick, names)!;
      const delayMs = 20 + (pick % 180);
      const links = names.filter((name) => name !== from).map((to) => ({ from, to }));
      for (const link of links) network.setDelay(link.from, link.to, delayMs);
      return this.#networkUndo(`${from} -> all, +${delayMs} ms`, async () => {
        for (const link of links) network.setDelay(link.from, link.to, 0);
      });
    }
    if (fault.target.kind !== "partition") return undefined;
    const { links, target } = this.#partition(fault.target.shape, pick, names);
    await cutAll(network, links);
    return this.#networkUndo(target, () => healLinks(network, links));
  }

  #networkUndo(target: string, undo: () => Promise<void>): { target: string; undo: () => Promise<void> } {
    return {
      target,
      undo: async () => {
        this.#networkFault = undefined;
        await undo();
      },
    };
  }

  #partition(shape: string, pick: number, names: readonly string[]): { links: Link[]; target: string } {
    const first = resolvePick(pick, names)!;
    const others = names.filter((name) => name !== first);
    const second = resolvePick(Math.floor(pick / names.length), others)!;
    switch (shape) {
      case "isolate-active": {
        const active = this.#monitor.latestActive();
        const isolated = active === undefined ? first : names[active]!;
        return { links: isolationLinks(isolated, names), target: `${isolated} isolated (active)` };
      }
      case "one-way":
        return { links: [{ from: first, to: second }], target: `${first} -/-> ${second}` };
      case "bridge":
        return { links: bridgeLinks(first, second), target: `${first} <-/-> ${second}, both reach the rest` };
      default:
        return { links: isolationLinks(first, names), target: `${first} isolated` };
    }
  }

  /** One line per fault for the report. */
  static describe(fired: FiredFault): string {
    const healed =
      fired.healedAtMs === undefined
        ? ""
        : `, whole again after ${((fired.healedAtMs - fired.firedAtMs) / 1000).toFixed(1)} s`;
    const error = fired.error === undefined ? "" : ` [error: ${fired.error}]`;
    return `${describeFault(fired.fault)} -> ${fired.skipped ? "skipped: " : ""}${fired.target}${healed}${error}`;
  }
}
