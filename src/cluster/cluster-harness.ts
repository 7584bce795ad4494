/**
 * Test-only: in-process Raft servers over real gRPC on 127.0.0.1, each with
 * its own data directory, that can be stopped and restarted from disk.
 * Imported by tests and the benchmark, never by production code.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { Configuration, NodeId } from "../raft/index.js";
import { RaftDriver } from "./driver.js";
import type { DriverEvent, RaftDriverOptions } from "./driver-types.js";
import { SnapshotDecoder } from "./snapshot-format.js";
import { GrpcTransport } from "./transport/grpc-transport.js";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Polls `condition` until it holds; fails after `boundMs` (a guard against hanging, not a timing assertion). */
export async function waitFor(condition: () => boolean, what: string, boundMs = 60_000): Promise<void> {
  const giveUpAt = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export type ServerTuning = Omit<RaftDriverOptions, "id" | "dataDir" | "transport" | "bootstrap">;

export class TestCluster {
  readonly servers = new Map<NodeId, { address: string; dataDir: string; driver: RaftDriver | undefined }>();
  /** Every event of every driver this cluster started, in order. */
  readonly events: { readonly id: NodeId; readonly event: DriverEvent }[] = [];
  readonly #tuning: ServerTuning;

  private constructor(tuning: ServerTuning) {
    this.#tuning = tuning;
  }

  /** Starts `count` founding voters (n1..nN) bootstrapped with the same configuration. */
  static async start(root: string, count: number, tuning: ServerTuning = {}): Promise<TestCluster> {
    const cluster = new TestCluster(tuning);
    for (let i = 1; i <= count; i++) await cluster.#reserve(root, `n${i}`);
    const configuration: Configuration = {
      servers: [...cluster.servers].map(([id, server]) => ({
        id,
        address: server.address,
        suffrage: "voter" as const,
      })),
    };
    await Promise.all([...cluster.servers.keys()].map((id) => cluster.restart(id, configuration)));
    return cluster;
  }

  /** Reserves an address and a data directory for a server that will join later (not started). */
  async #reserve(root: string, id: NodeId): Promise<{ address: string; dataDir: string }> {
    const server = { address: `127.0.0.1:${await freePort()}`, dataDir: join(root, id), driver: undefined };
    this.servers.set(id, server);
    return server;
  }

  /** Adds a server with an empty data directory (not in any configuration yet) and starts it. */
  async addEmpty(root: string, id: NodeId): Promise<{ address: string; driver: RaftDriver }> {
    const server = await this.#reserve(root, id);
    return { address: server.address, driver: await this.restart(id) };
  }

  /** (Re)starts a server from its data directory. */
  async restart(id: NodeId, bootstrap?: Configuration): Promise<RaftDriver> {
    const server = this.servers.get(id);
    if (!server) throw new Error(`unknown server ${id}`);
    const transport = new GrpcTransport({
      id,
      listenAddress: server.address,
      serverCredentials: grpc.ServerCredentials.createInsecure(),
      channelCredentials: grpc.credentials.createInsecure(),
      backoffInitialMs: 20,
      backoffMaxMs: 200,
    });
    server.driver = await RaftDriver.open({
      id,
      dataDir: server.dataDir,
      transport,
      ...(bootstrap ? { bootstrap } : {}),
      ...this.#tuning,
    });
    server.driver.on((event) => this.events.push({ id, event }));
    return server.driver;
  }

  async stop(id: NodeId): Promise<void> {
    const server = this.servers.get(id);
    const driver = server?.driver;
    if (!server || !driver) return;
    server.driver = undefined;
    await driver.close();
  }

  running(): RaftDriver[] {
    return [...this.servers.values()].flatMap((server) => (server.driver ? [server.driver] : []));
  }

  driver(id: NodeId): RaftDriver {
    const driver = this.servers.get(id)?.driver;
    if (!driver) throw new Error(`server ${id} is not running`);
    return driver;
  }

  leader(): RaftDriver | undefined {
    return this.running().find((driver) => driver.status().role === "leader");
  }

  async waitForLeader(): Promise<RaftDriver> {
    let leader: RaftDriver | undefined;
    await waitFor(() => {
      leader = this.leader();
      return leader !== undefined;
    }, "a leader");
    return leader as RaftDriver;
  }

  /** Waits until every running server has applied at least `index`. */
  async waitForApplied(index: number): Promise<void> {
    await waitFor(
      () => this.running().every((driver) => driver.status().appliedIndex >= index),
      `everyone applied ${index}`,
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((id) => this.stop(id)));
  }
}

/** A digest of a server's whole FSM data (keys and values, not metadata). */
/** Retries `action` while it fails with a retryable code (a leader just elected refuses membership changes until it commits). */
export async function retrying<T>(
  action: () => Promise<T>,
  codes: readonly string[] = ["conflict", "unavailable"],
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      if (attempt >= 200 || !codes.includes(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

export async function fsmDigest(driver: RaftDriver): Promise<{ digest: string; records: number; index: number }> {
  // A snapshot reads the written state: wait for what was applied in memory to be written (an idle driver does soon).
  await waitFor(() => !driver.fsm.hasUnflushed(), `${driver.id} to write its FSM effects`);
  const snapshot = await driver.fsm.openSnapshot();
  const decoder = new SnapshotDecoder();
  const hash = createHash("sha256");
  for await (const chunk of snapshot.chunks) {
    for (const item of decoder.push(chunk)) {
      if (item.type !== "record") continue;
      hash.update(item.record.key).update(Uint8Array.of(0)).update(item.record.value).update(Uint8Array.of(0));
    }
  }
  decoder.finish();
  return { digest: hash.digest("hex"), records: decoder.records, index: snapshot.meta.index };
}
