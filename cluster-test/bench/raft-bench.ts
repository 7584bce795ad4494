/**
 * Raft micro-benchmark (not a test): three in-process servers over real gRPC
 * on 127.0.0.1, each with its own LevelDB, replicating small proposals from
 * 1 and then 64 concurrent proposers. Prints proposals per second next to the
 * raw fsync rate of the same disk (measured in the same run, in the same
 * directory) and the batching factor (entries per synced write on the
 * leader).
 *
 *   npx tsc -p . && node dist/cluster-test/bench/raft-bench.js [--seconds 5] [--dir /path] [--value-bytes 128]
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { TestCluster } from "../../src/cluster/cluster-harness.js";
import { NodeDatabase, type RaftDriver, WriteBatch } from "../../src/cluster/index.js";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    dir: { type: "string" },
    "value-bytes": { type: "string", default: "128" },
  },
});
const phaseMs = Number(args.seconds) * 1000;
const valueBytes = Number(args["value-bytes"]);
const root = mkdtempSync(join(args.dir ?? tmpdir(), "coffer-raft-bench-"));

function rawFsyncRate(): number {
  const path = join(root, "fsync-probe");
  const fd = openSync(path, "w");
  const block = Buffer.alloc(128, 1);
  const until = performance.now() + Math.min(phaseMs, 3000);
  let count = 0;
  try {
    while (performance.now() < until) {
      writeSync(fd, block);
      fdatasyncSync(fd);
      count += 1;
    }
  } finally {
    closeSync(fd);
    rmSync(path);
  }
  return count / (Math.min(phaseMs, 3000) / 1000);
}

async function levelDbSyncedRate(): Promise<number> {
  const db = await NodeDatabase.open(join(root, "leveldb-probe"));
  const durationMs = Math.min(phaseMs, 3000);
  const until = performance.now() + durationMs;
  let count = 0;
  try {
    while (performance.now() < until) {
      const batch = new WriteBatch();
      batch.put(Uint8Array.of(count % 256, 1), new Uint8Array(valueBytes));
      await db.write(batch, { sync: true });
      count += 1;
    }
  } finally {
    await db.close();
  }
  return count / (durationMs / 1000);
}

interface PhaseResult {
  readonly proposals: number;
  readonly perSecond: number;
  readonly entriesPerSync: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
}

async function phase(cluster: TestCluster, concurrency: number, label: string): Promise<PhaseResult> {
  const leader = await cluster.waitForLeader();
  const before = leader.status();
  const value = new Uint8Array(valueBytes).fill(7);
  const latenciesMs: number[] = [];
  let proposals = 0;
  const started = performance.now();
  const until = started + phaseMs;
  async function proposer(worker: number): Promise<void> {
    let sequence = 0;
    while (performance.now() < until) {
      const key = `bench/${label}/${worker}/${sequence++}`;
      const sent = performance.now();
      await (leader as RaftDriver).propose([{ type: "put", key, value }]);
      latenciesMs.push(performance.now() - sent);
      proposals += 1;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, worker) => proposer(worker)));
  const elapsedS = (performance.now() - started) / 1000;
  const after = leader.status();
  latenciesMs.sort((a, b) => a - b);
  const quantile = (q: number) =>
    latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(q * latenciesMs.length))] ?? 0;
  return {
    proposals,
    perSecond: proposals / elapsedS,
    entriesPerSync:
      (after.entriesPersisted - before.entriesPersisted) / Math.max(1, after.syncedWrites - before.syncedWrites),
    latencyP50Ms: quantile(0.5),
    latencyP99Ms: quantile(0.99),
  };
}

async function main(): Promise<void> {
  console.log(`raft-bench: 3 servers, gRPC on 127.0.0.1, LevelDB in ${root}`);
  console.log(`value ${valueBytes} bytes, ${phaseMs / 1000}s per phase, node ${process.version}`);
  const fsyncPerSecond = rawFsyncRate();
  const levelDbPerSecond = await levelDbSyncedRate();
  const cluster = await TestCluster.start(root, 3, { tickMs: 50 });
  try {
    await cluster.waitForLeader();
    await phase(cluster, 8, "warmup");
    const one = await phase(cluster, 1, "p1");
    const many = await phase(cluster, 64, "p64");
    const row = (name: string, result: PhaseResult) =>
      `${name.padEnd(26)} ${result.perSecond.toFixed(0).padStart(8)} proposals/s   ${result.entriesPerSync
        .toFixed(1)
        .padStart(
          6,
        )} entries/fsync   p50 ${result.latencyP50Ms.toFixed(2)} ms   p99 ${result.latencyP99Ms.toFixed(2)} ms`;
    console.log("");
    console.log(`${"raw fdatasync (same dir)".padEnd(26)} ${fsyncPerSecond.toFixed(0).padStart(8)} fsyncs/s`);
    console.log(`${"LevelDB synced write".padEnd(26)} ${levelDbPerSecond.toFixed(0).padStart(8)} writes/s`);
    console.log(row("1 proposer", one));
    console.log(row("64 concurrent proposers", many));
  } finally {
    await cluster.close();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
