/**
 * A seeded fault schedule: which fault, when, for how long — a pure
 * function of the options, so a failing chaos run is replayed by its seed.
 * Targets are named by role and a random pick, and resolved when the fault
 * fires ("the active", "a standby", "any node") because who is active is
 * only known then; the runner records what each pick resolved to.
 *
 * Kinds are drawn from a shuffled bag so each kind fires about equally
 * often; gaps between starts and durations are uniform in their ranges.
 */
import { Prng } from "../../src/sim/prng.js";

export const faultKinds = ["kill", "pause", "partition", "disk", "delay"] as const;
export type FaultKind = (typeof faultKinds)[number];

export type NodeRole = "active" | "standby" | "any";

export type PartitionShape =
  /** One node cut off both ways from the others (a minority). */
  | "isolate-node"
  /** The active cut off from the others. */
  | "isolate-active"
  /** One direction between two nodes. */
  | "one-way"
  /** Two nodes cannot talk, both still reach the third. */
  | "bridge";

export const partitionShapes: readonly PartitionShape[] = ["isolate-node", "isolate-active", "one-way", "bridge"];

export type FaultTarget =
  | { readonly kind: "node"; readonly role: NodeRole; readonly pick: number }
  | { readonly kind: "partition"; readonly shape: PartitionShape; readonly pick: number };

export interface ScheduledFault {
  readonly id: number;
  readonly kind: FaultKind;
  /** From the start of the run. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly target: FaultTarget;
}

export interface ScheduleOptions {
  readonly seed: number;
  /** Faults start within [0, durationMs - quietEndMs). */
  readonly durationMs: number;
  readonly kinds: readonly FaultKind[];
  /** Gap between consecutive fault starts. */
  readonly gapMs: readonly [min: number, max: number];
  /** How long a fault lasts, by kind. */
  readonly faultMs: Readonly<Record<FaultKind, readonly [min: number, max: number]>>;
  /** No fault starts this close to the end (the cluster heals before the final checks). */
  readonly quietEndMs: number;
  /** Partition shapes to draw from (default: all). */
  readonly partitionShapes?: readonly PartitionShape[];
}

export const defaultFaultMs: Readonly<Record<FaultKind, readonly [number, number]>> = {
  kill: [300, 2_000],
  pause: [300, 3_000],
  partition: [500, 4_000],
  disk: [500, 3_000],
  delay: [500, 3_000],
};

export function faultSchedule(options: ScheduleOptions): ScheduledFault[] {
  if (options.kinds.length === 0) return [];
  const random = new Prng(options.seed);
  const faults: ScheduledFault[] = [];
  const bag: FaultKind[] = [];
  let startMs = between(random, options.gapMs);
  while (startMs < options.durationMs - options.quietEndMs) {
    if (bag.length === 0) bag.push(...shuffled(random, options.kinds));
    const kind = bag.pop()!;
    faults.push({
      id: faults.length + 1,
      kind,
      startMs,
      durationMs: between(random, options.faultMs[kind]),
      target: targetFor(random, kind, options.partitionShapes ?? partitionShapes),
    });
    startMs += between(random, options.gapMs);
  }
  return faults;
}

function targetFor(random: Prng, kind: FaultKind, shapes: readonly PartitionShape[]): FaultTarget {
  const pick = random.nextUint32();
  if (kind === "partition") return { kind: "partition", shape: random.pick(shapes), pick };
  // Half the process faults hit the active: that is where they hurt.
  const role: NodeRole = random.chance(0.5) ? "active" : random.chance(0.5) ? "standby" : "any";
  return { kind: "node", role, pick };
}

function between(random: Prng, [min, max]: readonly [number, number]): number {
  return random.between(Math.round(min), Math.round(max));
}

function shuffled<T>(random: Prng, items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = random.int(index + 1);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** Resolves a pick against the nodes eligible when the fault fires (stable order in, one node out). */
export function resolvePick<T>(pick: number, eligible: readonly T[]): T | undefined {
  return eligible.length === 0 ? undefined : eligible[pick % eligible.length];
}

export function describeFault(fault: ScheduledFault): string {
  const target =
    fault.target.kind === "partition"
      ? fault.target.shape
      : `${fault.target.role === "any" ? "any node" : fault.target.role}`;
  return `#${fault.id} ${fault.kind} ${target} at ${(fault.startMs / 1000).toFixed(1)} s for ${fault.durationMs} ms`;
}

export function parseFaultKinds(list: string): FaultKind[] {
  const kinds = list
    .split(",")
    .map((kind) => kind.trim())
    .filter(Boolean);
  for (const kind of kinds) {
    if (!(faultKinds as readonly string[]).includes(kind)) {
      throw new Error(`unknown fault kind "${kind}" (known: ${faultKinds.join(", ")})`);
    }
  }
  return kinds as FaultKind[];
}

export function parsePartitionShapes(list: string): PartitionShape[] {
  const shapes = list
    .split(",")
    .map((shape) => shape.trim())
    .filter(Boolean);
  for (const shape of shapes) {
    if (!(partitionShapes as readonly string[]).includes(shape)) {
      throw new Error(`unknown partition shape "${shape}" (known: ${partitionShapes.join(", ")})`);
    }
  }
  return shapes as PartitionShape[];
}

/** `kill=300-2000,pause=5000-7000` -> durations by kind. */
export function parseFaultDurations(list: string): Partial<Record<FaultKind, readonly [number, number]>> {
  const durations: Partial<Record<FaultKind, readonly [number, number]>> = {};
  for (const item of list.split(",").filter(Boolean)) {
    const match = /^\s*([a-z]+)=(\d+)-(\d+)\s*$/.exec(item);
    const [kind] = parseFaultKinds(match?.[1] ?? "?");
    const min = Number(match?.[2]);
    const max = Number(match?.[3]);
    if (kind === undefined || !(min <= max)) throw new Error(`bad fault duration "${item}" (want kind=MIN-MAX in ms)`);
    durations[kind] = [min, max];
  }
  return durations;
}
