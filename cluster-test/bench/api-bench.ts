/**
 * End-to-end write benchmark (not a test), Coffer beside etcd on the same
 * machine in the same run, both as three real server processes on
 * 127.0.0.1, each write acknowledged only after it is durable on a quorum:
 *
 *  - Coffer: `PUT /v1/bench/<key>` on a KV version 1 mount through the
 *    active node's HTTP API (token check, ACL, barrier encryption, Raft);
 *  - etcd: `KV.Put` over gRPC on the leader, and the same put through
 *    etcd's HTTP/JSON gateway (`POST /v3/kv/put`), the closest thing etcd
 *    has to Coffer's HTTP API.
 *
 * Each phase alternates one-second slices of the same closed-loop load
 * (1, then 64 writers, 100-byte values) between the three targets, so noise
 * from a shared machine falls on all of them. Prints writes/s, p50/p99 and
 * the Coffer/etcd ratios.
 *
 *   npx tsc -p . && node dist/cluster-test/bench/api-bench.js [--seconds 5] [--etcd /usr/bin/etcd]
 */

import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CofferCluster } from "../harness/index.js";
import { EtcdCluster } from "./etcd-cluster.js";
import { EtcdKvClient } from "./etcd-kv-client.js";
import { LoadRecorder, type LoadResult } from "./load.js";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    "value-bytes": { type: "string", default: "100" },
    etcd: { type: "string", default: "/usr/bin/etcd" },
  },
});
const phaseMs = Number(args.seconds) * 1000;
const valueBytes = Number(args["value-bytes"]);
const value = "v".repeat(valueBytes);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

interface Target {
  readonly name: string;
  write(key: string): Promise<void>;
}

/** One HTTP request on the shared keep-alive agent; rejects on any status but the expected one. */
function httpCall(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string,
  expected: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method,
        agent,
        headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.on("end", () =>
          response.statusCode === expected
            ? resolve()
            : reject(new Error(`${method} ${url} answered ${response.statusCode}`)),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

async function startCoffer(): Promise<{ target: Target; cluster: CofferCluster }> {
  const cluster = await CofferCluster.create({ size: 3, performanceMultiplier: 1 });
  for (let i = 0; i < 3; i++) await cluster.start(i);
  const init = await cluster.initialize(0);
  await cluster.unseal(0);
  const active = await cluster.waitForActive();
  const url = cluster.node(active).url;
  const token = { "X-Vault-Token": init.rootToken };
  await httpCall(
    new URL(`${url}/v1/sys/storage/raft/autopilot/configuration`),
    "POST",
    token,
    JSON.stringify({ server_stabilization_time: "1s" }),
    204,
  );
  await cluster.unseal(1);
  await cluster.unseal(2);
  await cluster.waitFor("three voters", async () => (await cluster.peers()).filter((peer) => peer.voter).length === 3);
  await httpCall(new URL(`${url}/v1/sys/mounts/bench`), "POST", token, JSON.stringify({ type: "kv" }), 204);
  const body = JSON.stringify({ value });
  return {
    cluster,
    target: {
      name: "Coffer HTTP (KV v1 PUT)",
      write: (key) => httpCall(new URL(`${url}/v1/bench/${key}`), "PUT", token, body, 204),
    },
  };
}

async function phase(
  targets: readonly Target[],
  concurrency: number,
  label: string,
  durationMs: number,
): Promise<LoadResult[]> {
  const recorders = targets.map(() => new LoadRecorder());
  const slices = Math.max(1, Math.round(durationMs / 1000));
  for (let slice = 0; slice < slices; slice++) {
    for (const [index, target] of targets.entries()) {
      await recorders[index]?.slice(concurrency, durationMs / slices, (worker, sequence) =>
        target.write(`${label}-${slice}-${worker}-${sequence}`),
      );
    }
  }
  return recorders.map((recorder) => recorder.result());
}

function row(name: string, result: LoadResult): string {
  return `${name.padEnd(34)} ${result.perSecond.toFixed(0).padStart(7)} writes/s  p50 ${result.latencyP50Ms.toFixed(2).padStart(6)} ms  p99 ${result.latencyP99Ms.toFixed(2).padStart(7)} ms`;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "coffer-api-bench-"));
  let coffer: CofferCluster | undefined;
  let etcd: EtcdCluster | undefined;
  let grpcClient: EtcdKvClient | undefined;
  try {
    const started = await startCoffer();
    coffer = started.cluster;
    etcd = await EtcdCluster.start(root, args.etcd);
    const leader = await etcd.leaderAddress();
    grpcClient = new EtcdKvClient(leader);
    const client = grpcClient;
    const encoder = new TextEncoder();
    const valueBytesArray = encoder.encode(value);
    const targets: Target[] = [
      started.target,
      {
        name: "etcd gRPC (KV.Put)",
        write: async (key) => void (await client.put(encoder.encode(key), valueBytesArray)),
      },
      {
        name: "etcd HTTP gateway (/v3/kv/put)",
        write: (key) =>
          httpCall(
            new URL(`http://${leader}/v3/kv/put`),
            "POST",
            {},
            JSON.stringify({ key: Buffer.from(key).toString("base64"), value: Buffer.from(value).toString("base64") }),
            200,
          ),
      },
    ];
    console.log(
      `api-bench: three processes each on 127.0.0.1, ${valueBytes}-byte values, ${phaseMs / 1000}s per phase, node ${process.version}`,
    );
    await phase(targets, 8, "warmup", 2000);
    for (const writers of [1, 64]) {
      const results = await phase(targets, writers, `w${writers}`, phaseMs);
      console.log("");
      targets.forEach((target, index) => {
        const result = results[index];
        if (result) console.log(row(`${target.name}, ${writers} writer${writers > 1 ? "s" : ""}`, result));
      });
      const [ours, grpc, gateway] = results;
      if (ours && grpc && gateway) {
        console.log(
          `Coffer/etcd: ${(ours.perSecond / grpc.perSecond).toFixed(2)}x vs gRPC, ${(ours.perSecond / gateway.perSecond).toFixed(2)}x vs the HTTP gateway`,
        );
      }
    }
  } finally {
    grpcClient?.close();
    agent.destroy();
    await etcd?.close();
    await coffer?.close();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
