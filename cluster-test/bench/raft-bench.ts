/**
 * Replication benchmark (not a test), Coffer beside etcd on the same machine
 * in the same run:
 *
 *  - the disk: raw fdatasync rate and LevelDB synced writes, in the same
 *    directory the servers use;
 *  - Coffer: three in-process servers over real gRPC on 127.0.0.1, each with
 *    its own LevelDB; proposals of one put (100-byte value) on the leader
 *    from 1 and then 64 concurrent proposers: proposals/s, p50/p99, and
 *    entries per fsync on the leader (the batching factor);
 *  - etcd: a three-member cluster of Debian's etcd-server (started here on
 *    127.0.0.1 with data directories in the same place, stopped and removed
 *    afterwards), the same load through etcd's gRPC KV.Put on the leader:
 *    puts/s, p50/p99, puts per WAL fsync on the leader.
 *
 * Both clusters run side by side; each phase alternates one-second slices
 * of the same load between them, so noise from a shared machine falls on
 * both. Then Coffer/etcd ratios. Both replicate each write to three members
 * on the same disk before answering. Differences to keep in mind: Coffer's load is
 * proposed in the leader's process (no client hop), etcd's crosses a
 * loopback gRPC call; Coffer's three servers share one Node.js thread, etcd's
 * are three multi-threaded processes.
 *
 *   npx tsc -p . && node dist/cluster-test/bench/raft-bench.js [--seconds 5] [--dir /path] [--value-bytes 100] [--etcd /usr/bin/etcd] [--no-etcd]
 */
import { closeSync, fdatasyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { TestCluster } from "../../src/cluster/cluster-harness.js";
import { NodeDatabase, WriteBatch } from "../../src/cluster/index.js";
import { EtcdCluster } from "./etcd-cluster.js";
import { EtcdKvClient } from "./etcd-kv-client.js";
import { LoadRecorder, type LoadResult } from "./load.js";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    dir: { type: "string" },
    "value-bytes": { type: "string", default: "100" },
    etcd: { type: "string", default: "/usr/bin/etcd" },
    "no-etcd": { type: "boolean", default: false },
  },
});
const phaseMs = Number(args.seconds) * 1000;
const warmupMs = Math.min(phaseMs, 2000);
const valueBytes = Number(args["value-bytes"]);
const root = mkdtempSync(join(args.dir ?? tmpdir(), "coffer-raft-bench-"));
const encoder = new TextEncoder();

interface PhaseResult extends LoadResult {
  /** Writes per synced write on the leader (Coffer: entries per LevelDB fsync; etcd: puts per WAL fsync). */
  readonly writesPerSync: number;
}

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

/** One system under load: where its writes go, and its leader's counters for writes per fsync. */
interface Target {
  readonly name: string;
  write(key: string, value: Uint8Array): Promise<void>;
  /** Writes persisted and synced writes done so far on the leader. */
  counters(): Promise<{ readonly writes: number; readonly syncs: number }>;
  close(): Promise<void>;
}

async function cofferTarget(): Promise<Target> {
  const dir = join(root, "coffer");
  mkdirSync(dir);
  const cluster = await TestCluster.start(dir, 3, { tickMs: 50 });
  const leader = await cluster.waitForLeader();
  return {
    name: "Coffer",
    write: async (key, value) => {
      await leader.propose([{ type: "put", key, value }]);
    },
    counters: async () => {
      const status = leader.status();
      return { writes: status.entriesPersisted, syncs: status.syncedWrites };
    },
    close: () => cluster.close(),
  };
}

async function etcdTarget(binary: string): Promise<Target> {
  const cluster = await EtcdCluster.start(root, binary);
  const leader = await cluster.leaderAddress();
  const client = new EtcdKvClient(leader);
  let revision = 0;
  return {
    name: "etcd",
    write: async (key, value) => {
      const answered = await client.put(encoder.encode(key), value);
      revision = Math.max(revision, answered);
    },
    // Every put is one revision (the phase checks that against the puts answered).
    counters: async () => ({ writes: revision, syncs: await cluster.walFsyncs(leader) }),
    close: async () => {
      client.close();
      await cluster.close();
    },
  };
}

/**
 * Runs the same load on every target, in `slices` alternating slices (A B A
 * B ...) so that a burst of noise from the shared machine falls on both.
 */
async function phase(targets: readonly Target[], concurrency: number, label: string, durationMs: number) {
  const value = new Uint8Array(valueBytes).fill(7);
  const runs = targets.map((target) => ({ target, recorder: new LoadRecorder(), before: target.counters() }));
  const slices = Math.max(1, Math.round(durationMs / 1000));
  for (let slice = 0; slice < slices; slice++) {
    for (const { target, recorder } of runs) {
      await recorder.slice(concurrency, durationMs / slices, (worker, sequence) =>
        target.write(`bench/${label}/${slice}/${worker}/${sequence}`, value),
      );
    }
  }
  const results: PhaseResult[] = [];
  for (const { target, recorder, before } of runs) {
    const result = recorder.result();
    const [start, end] = [await before, await target.counters()];
    const writes = end.writes - start.writes;
    if (target.name === "etcd" && writes !== result.operations && label !== "warmup") {
      throw new Error(`etcd: ${result.operations} puts answered but the revision moved by ${writes}`);
    }
    results.push({ ...result, writesPerSync: writes / Math.max(1, end.syncs - start.syncs) });
  }
  return results;
}

function row(name: string, result: PhaseResult, unit: string): string {
  return `${name.padEnd(26)} ${result.perSecond.toFixed(0).padStart(8)} ${unit.padEnd(5)}  p50 ${result.latencyP50Ms
    .toFixed(2)
    .padStart(6)} ms  p99 ${result.latencyP99Ms.toFixed(2).padStart(7)} ms  ${result.writesPerSync
    .toFixed(1)
    .padStart(6)} per fsync`;
}

async function main(): Promise<void> {
  console.log(`raft-bench: 3 servers each, 127.0.0.1, data in ${root}`);
  console.log(`value ${valueBytes} bytes, ${phaseMs / 1000}s per phase, node ${process.version}`);
  const targets: Target[] = [];
  try {
    const fsyncPerSecond = rawFsyncRate();
    const levelDbPerSecond = await levelDbSyncedRate();
    targets.push(await cofferTarget());
    if (!args["no-etcd"]) targets.push(await etcdTarget(args.etcd));
    await phase(targets, 8, "warmup", warmupMs);
    const one = await phase(targets, 1, "p1", phaseMs);
    const many = await phase(targets, 64, "p64", phaseMs);
    console.log("");
    console.log(`${"raw fdatasync (same dir)".padEnd(26)} ${fsyncPerSecond.toFixed(0).padStart(8)} fsyncs/s`);
    console.log(`${"LevelDB synced write".padEnd(26)} ${levelDbPerSecond.toFixed(0).padStart(8)} writes/s`);
    for (const [results, writers] of [
      [one, "1 writer"],
      [many, "64 writers"],
    ] as const) {
      targets.forEach((target, i) => {
        const result = results[i];
        if (result) console.log(row(`${target.name}, ${writers}`, result, "/s"));
      });
    }
    const [ours1, theirs1] = one;
    const [ours64, theirs64] = many;
    if (ours1 && theirs1 && ours64 && theirs64) {
      const ratio = (ours: LoadResult, theirs: LoadResult) => (ours.perSecond / theirs.perSecond).toFixed(2);
      console.log("");
      console.log(`Coffer/etcd writes per second: ${ratio(ours1, theirs1)}x at 1, ${ratio(ours64, theirs64)}x at 64`);
    }
  } finally {
    for (const target of targets) await target.close();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
