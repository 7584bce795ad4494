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
 * Then Coffer/etcd ratios. Both replicate each write to three members on the
 * same disk before answering. Differences to keep in mind: Coffer's load is
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
import { type LoadResult, runLoad } from "./load.js";

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

async function cofferPhases(): Promise<{ one: PhaseResult; many: PhaseResult }> {
  const dir = join(root, "coffer");
  mkdirSync(dir);
  const cluster = await TestCluster.start(dir, 3, { tickMs: 50 });
  try {
    const value = new Uint8Array(valueBytes).fill(7);
    async function phase(concurrency: number, label: string, durationMs: number): Promise<PhaseResult> {
      const leader = await cluster.waitForLeader();
      const before = leader.status();
      const result = await runLoad(concurrency, durationMs, async (worker, sequence) => {
        await leader.propose([{ type: "put", key: `bench/${label}/${worker}/${sequence}`, value }]);
      });
      const after = leader.status();
      const entries = after.entriesPersisted - before.entriesPersisted;
      return { ...result, writesPerSync: entries / Math.max(1, after.syncedWrites - before.syncedWrites) };
    }
    await phase(8, "warmup", warmupMs);
    const one = await phase(1, "p1", phaseMs);
    const many = await phase(64, "p64", phaseMs);
    return { one, many };
  } finally {
    await cluster.close();
  }
}

async function etcdPhases(binary: string): Promise<{ one: PhaseResult; many: PhaseResult }> {
  const cluster = await EtcdCluster.start(root, binary);
  try {
    const leader = await cluster.leaderAddress();
    const client = new EtcdKvClient(leader);
    try {
      const value = new Uint8Array(valueBytes).fill(7);
      async function phase(concurrency: number, label: string, durationMs: number): Promise<PhaseResult> {
        const fsyncsBefore = await cluster.walFsyncs(leader);
        let firstRevision = Number.POSITIVE_INFINITY;
        let lastRevision = 0;
        const result = await runLoad(concurrency, durationMs, async (worker, sequence) => {
          const revision = await client.put(encoder.encode(`bench/${label}/${worker}/${sequence}`), value);
          firstRevision = Math.min(firstRevision, revision);
          lastRevision = Math.max(lastRevision, revision);
        });
        const fsyncs = (await cluster.walFsyncs(leader)) - fsyncsBefore;
        // Each put is one revision: a check that every answer was a real, distinct write.
        if (lastRevision - firstRevision + 1 !== result.operations) {
          throw new Error(`etcd: ${result.operations} puts answered but revisions ${firstRevision}..${lastRevision}`);
        }
        return { ...result, writesPerSync: result.operations / Math.max(1, fsyncs) };
      }
      await phase(8, "warmup", warmupMs);
      const one = await phase(1, "p1", phaseMs);
      const many = await phase(64, "p64", phaseMs);
      return { one, many };
    } finally {
      client.close();
    }
  } finally {
    await cluster.close();
  }
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
  try {
    const fsyncPerSecond = rawFsyncRate();
    const levelDbPerSecond = await levelDbSyncedRate();
    const coffer = await cofferPhases();
    const etcd = args["no-etcd"] ? undefined : await etcdPhases(args.etcd);
    console.log("");
    console.log(`${"raw fdatasync (same dir)".padEnd(26)} ${fsyncPerSecond.toFixed(0).padStart(8)} fsyncs/s`);
    console.log(`${"LevelDB synced write".padEnd(26)} ${levelDbPerSecond.toFixed(0).padStart(8)} writes/s`);
    console.log(row("Coffer, 1 proposer", coffer.one, "/s"));
    if (etcd) console.log(row("etcd, 1 client", etcd.one, "/s"));
    console.log(row("Coffer, 64 proposers", coffer.many, "/s"));
    if (etcd) console.log(row("etcd, 64 clients", etcd.many, "/s"));
    if (etcd) {
      const ratio = (ours: LoadResult, theirs: LoadResult) => (ours.perSecond / theirs.perSecond).toFixed(2);
      console.log("");
      console.log(
        `Coffer/etcd writes per second: ${ratio(coffer.one, etcd.one)}x at 1, ${ratio(coffer.many, etcd.many)}x at 64`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
