/**
 * A three-member etcd cluster (Debian's etcd-server) on 127.0.0.1 for the
 * benchmark: each member in its own process with a data directory under
 * `root`, stopped and its directory removed by `close()` (and killed if the
 * benchmark process exits first).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, waitFor } from "../../src/cluster/cluster-harness.js";

interface Member {
  readonly name: string;
  /** host:port of its client (gRPC and HTTP gateway) listener. */
  readonly clientAddress: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  readonly stderr: string[];
  exited: boolean;
}

interface Status {
  readonly memberId: string;
  readonly leaderId: string;
}

const startBoundMs = 30_000;

export class EtcdCluster {
  readonly #members: Member[];
  readonly #killOnExit = () => {
    for (const member of this.#members) if (!member.exited) member.child.kill("SIGKILL");
  };
  #closing: Promise<void> | undefined;

  private constructor(members: Member[]) {
    this.#members = members;
    process.once("exit", this.#killOnExit);
  }

  /** Starts the members and waits until they agree on a leader. */
  static async start(root: string, binary = "/usr/bin/etcd"): Promise<EtcdCluster> {
    const names = ["e1", "e2", "e3"];
    const ports = await Promise.all(names.map(async () => ({ client: await freePort(), peer: await freePort() })));
    const initialCluster = names.map((name, i) => `${name}=http://127.0.0.1:${ports[i]?.peer}`).join(",");
    const members = names.map((name, i): Member => {
      const { client, peer } = ports[i] ?? { client: 0, peer: 0 };
      const dataDir = join(root, `etcd-${name}`);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const child = spawn(
        binary,
        [
          `--name=${name}`,
          `--data-dir=${dataDir}`,
          `--listen-client-urls=http://127.0.0.1:${client}`,
          `--advertise-client-urls=http://127.0.0.1:${client}`,
          `--listen-peer-urls=http://127.0.0.1:${peer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
          `--initial-cluster=${initialCluster}`,
          "--initial-cluster-state=new",
          "--initial-cluster-token=coffer-bench",
          "--logger=zap",
          "--log-level=error",
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      const member: Member = { name, clientAddress: `127.0.0.1:${client}`, dataDir, child, stderr: [], exited: false };
      child.stderr?.on("data", (chunk: Buffer) => {
        member.stderr.push(chunk.toString());
        if (member.stderr.length > 20) member.stderr.shift();
      });
      child.on("exit", () => {
        member.exited = true;
      });
      return member;
    });
    const cluster = new EtcdCluster(members);
    try {
      await cluster.#waitForLeader();
      return cluster;
    } catch (error) {
      await cluster.close();
      throw error;
    }
  }

  /** The client address (host:port) of the member that leads now. */
  async leaderAddress(): Promise<string> {
    for (const member of this.#members) {
      const status = await statusOf(member);
      if (status && status.leaderId !== "0" && status.leaderId === status.memberId) return member.clientAddress;
    }
    throw new Error("etcd: no member leads");
  }

  /** WAL fsyncs the member at `address` has done (its Prometheus counter), for puts per fsync. */
  async walFsyncs(address: string): Promise<number> {
    const text = await (await fetch(`http://${address}/metrics`)).text();
    const line = text.split("\n").find((row) => row.startsWith("etcd_disk_wal_fsync_duration_seconds_count "));
    return Number(line?.split(" ")[1] ?? Number.NaN);
  }

  /** Stops every member (SIGTERM, then SIGKILL after 5 s) and removes its data directory. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all(this.#members.map(stop));
      for (const member of this.#members) rmSync(member.dataDir, { recursive: true, force: true });
      process.removeListener("exit", this.#killOnExit);
    })();
    return this.#closing;
  }

  async #waitForLeader(): Promise<void> {
    const giveUpAt = Date.now() + startBoundMs;
    for (;;) {
      const dead = this.#members.find((member) => member.exited);
      if (dead) throw new Error(`etcd member ${dead.name} exited: ${dead.stderr.join("").slice(-2000)}`);
      const statuses = await Promise.all(this.#members.map(statusOf));
      const leaders = new Set(statuses.map((status) => status?.leaderId ?? "0"));
      if (leaders.size === 1 && !leaders.has("0")) return;
      if (Date.now() > giveUpAt) throw new Error(`etcd: no leader agreed on within ${startBoundMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The member's view of the cluster through etcd's HTTP gateway; undefined while it does not answer. */
async function statusOf(member: Member): Promise<Status | undefined> {
  try {
    const response = await fetch(`http://${member.clientAddress}/v3/maintenance/status`, {
      method: "POST",
      body: "{}",
      signal: AbortSignal.timeout(2_000),
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { header?: { member_id?: string }; leader?: string };
    return { memberId: body.header?.member_id ?? "", leaderId: body.leader ?? "0" };
  } catch {
    return undefined;
  }
}

async function stop(member: Member): Promise<void> {
  if (member.exited) return;
  member.child.kill("SIGTERM");
  try {
    await waitFor(() => member.exited, `etcd ${member.name} to stop`, 5_000);
  } catch {
    member.child.kill("SIGKILL");
    await waitFor(() => member.exited, `etcd ${member.name} to die`, 5_000);
  }
}
