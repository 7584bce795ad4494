/**
 * One chaos run: build a three-node cluster behind the proxy layer, start
 * the workload against every node and the monitor, fire the seeded fault
 * schedule, then stop the clients, heal everything and check: the cluster
 * settles with one active, no acknowledged write is missing, every node
 * holds the same FSM, and the history (with a final read of every key
 * through every node) is linearizable.
 */

import {
  defaultFaultMs,
  type FaultKind,
  faultSchedule,
  type PartitionShape,
  type ScheduledFault,
} from "../faults/index.js";
import { checkHistory } from "../linearizability/index.js";
import { ChaosCluster, kvMount } from "./chaos-cluster.js";
import { type KvTarget, perform } from "./kv-client.js";
import { ActiveMonitor } from "./monitor.js";
import { Nemesis } from "./nemesis.js";
import { type ChaosReport, renderReport } from "./report.js";
import { acknowledgedWritesPresent, type Check, noNodeExitedOnItsOwn, oneActive, sameFsmEverywhere } from "./verify.js";
import { Workload } from "./workload.js";

export interface ChaosOptions {
  readonly durationS: number;
  readonly seed: number;
  readonly faults: readonly FaultKind[];
  readonly clientsPerNode?: number;
  readonly keyCount?: number;
  readonly requestTimeoutMs?: number;
  readonly performanceMultiplier?: number;
  /** Gap between fault starts. */
  readonly faultGapMs?: readonly [number, number];
  readonly partitionShapes?: readonly PartitionShape[];
  /** A fixed schedule instead of the seeded one (for a scenario test). */
  readonly schedule?: readonly ScheduledFault[];
  /** Fault durations by kind, over the defaults. */
  readonly faultMs?: Partial<Record<FaultKind, readonly [number, number]>>;
  /** Test-only: nodes answer reads from local state without confirming leadership. */
  readonly unsafeStaleReads?: boolean;
  readonly checkTimeLimitMs?: number;
  /** Progress lines (stderr in the CLI, comments in tests). */
  readonly log?: (line: string) => void;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const chaos = await ChaosCluster.create({
    size: 3,
    performanceMultiplier: options.performanceMultiplier ?? 2,
    unsafeStaleReads: options.unsafeStaleReads ?? false,
    slowDiskWriteIops: 20,
  });
  try {
    const buildStartedMs = performance.now();
    await chaos.build();
    log(
      `cluster up in ${((performance.now() - buildStartedMs) / 1000).toFixed(1)} s (network: ${chaos.network.kind}; slow disk: ${chaos.slowDiskReason})`,
    );
    return await exercise(chaos, options, log);
  } catch (error) {
    log(chaos.cluster.logs());
    throw error;
  } finally {
    await chaos.close();
  }
}

async function exercise(chaos: ChaosCluster, options: ChaosOptions, log: (line: string) => void): Promise<ChaosReport> {
  const startedMs = performance.now();
  const clock = () => performance.now() - startedMs;
  const keys = Array.from({ length: options.keyCount ?? 5 }, (_, index) => `chaos/k${index}`);
  const target = (index: number): KvTarget => ({
    url: chaos.url(index),
    token: chaos.token,
    mount: kvMount,
    timeoutMs: options.requestTimeoutMs ?? 4_000,
  });
  const targets = [...Array(chaos.size).keys()].map(target);
  const workload = new Workload(
    { seed: options.seed, targets, clientsPerNode: options.clientsPerNode ?? 2, keys, thinkMsMax: 10 },
    clock,
  );
  const monitor = new ActiveMonitor(
    () => [...Array(chaos.size).keys()].map((index) => (chaos.running(index) ? chaos.url(index) : undefined)),
    clock,
  );
  const nemesis = new Nemesis(chaos, monitor, clock);
  const kinds = options.faults.filter((kind) => kind !== "disk" || chaos.slowDisk !== undefined);
  if (kinds.length < options.faults.length) log(`slow disk left out: ${chaos.slowDiskReason}`);
  const schedule =
    options.schedule ??
    faultSchedule({
      seed: options.seed,
      durationMs: options.durationS * 1000,
      kinds,
      gapMs: options.faultGapMs ?? [800, 2_400],
      faultMs: { ...defaultFaultMs, ...options.faultMs },
      quietEndMs: 3_000,
      ...(options.partitionShapes === undefined ? {} : { partitionShapes: options.partitionShapes }),
    });
  log(`seed ${options.seed}: ${schedule.length} faults scheduled over ${options.durationS} s`);

  monitor.start();
  workload.start();
  const faults = nemesis.run(schedule);
  await new Promise((resolve) => setTimeout(resolve, options.durationS * 1000));
  nemesis.stop();
  await workload.stop();
  await faults;
  const healStartedMs = clock();
  await nemesis.healAll();
  await monitor.stop();
  log(`run over: ${workload.recorder.history().length} operations, ${nemesis.fired.length} faults fired; healing`);

  const settled = await oneActive(chaos);
  const checks: Check[] = [
    { ...settled, detail: `${settled.detail}; settled ${(settled.afterMs / 1000).toFixed(1)} s after the heal` },
  ];
  if (settled.active !== undefined) {
    // A final read of every key through every node joins the history.
    for (const key of keys) {
      for (const node of targets.keys()) {
        const pending = workload.recorder.invoke(`final-n${node + 1}`, key, { kind: "read" });
        const { outcome } = await perform(targets[node]!, key, { kind: "read" });
        if (outcome.status === "ok") pending.ok(outcome.result);
        else if (outcome.status === "failed") pending.failed(outcome.reason);
        else pending.unknown(outcome.reason);
      }
    }
    const present = await acknowledgedWritesPresent(chaos, settled.active, keys, workload.recorder.history());
    checks.push(present.check);
    checks.push(await sameFsmEverywhere(chaos));
  }
  checks.push(noNodeExitedOnItsOwn(chaos));
  const history = workload.recorder.history();
  log(`checking ${history.length} operations for linearizability`);
  const linearizability = checkHistory(history, { timeLimitMs: options.checkTimeLimitMs ?? 300_000 });
  checks.unshift({
    name: "linearizable",
    passed: linearizability.verdict === "linearizable",
    detail: `${linearizability.verdict} (${history.length} operations, checked in ${(linearizability.elapsedMs / 1000).toFixed(1)} s)`,
  });
  return renderReport({
    options,
    network: chaos.network.kind,
    checks,
    linearizability,
    fired: nemesis.fired,
    monitor,
    history,
    counts: workload.counts(),
    healStartedMs,
  });
}
