/**
 * Three real nodes from the multi-node harness (CofferCluster), with every
 * cluster link running through the proxy layer: each node's config is
 * rewritten so that its listener binds the cluster port at API port + 1
 * (`cluster_address`) while it advertises the proxy (`cluster_addr`). The
 * harness's init, unseal, retry_join, kill and restart are used as they are.
 *
 * Network namespaces are not used here: the harness starts `coffer server`
 * directly, with no way to run it under `ip netns exec` (see the faults
 * README). The proxy is the layer that works with the harness unchanged.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { LinkProxyNetwork, probeSlowDisk, SlowDisk } from "../faults/index.js";
import { CofferCluster } from "../harness/index.js";
import { kvApi } from "./kv-client.js";

export interface ChaosClusterOptions {
  readonly size: number;
  readonly performanceMultiplier: number;
  /** Test-only: start nodes with COFFER_UNSAFE_STALE_READS=1 (see the report of issue 6). */
  readonly unsafeStaleReads: boolean;
  readonly slowDiskWriteIops: number;
}

export const kvMount = "secret";

export class ChaosCluster {
  readonly cluster: CofferCluster;
  readonly network: LinkProxyNetwork;
  /** Undefined when the machine cannot throttle the data directory's disk. */
  readonly slowDisk: SlowDisk | undefined;
  readonly slowDiskReason: string;
  readonly #options: ChaosClusterOptions;

  private constructor(
    cluster: CofferCluster,
    network: LinkProxyNetwork,
    slowDisk: SlowDisk | undefined,
    slowDiskReason: string,
    options: ChaosClusterOptions,
  ) {
    this.cluster = cluster;
    this.network = network;
    this.slowDisk = slowDisk;
    this.slowDiskReason = slowDiskReason;
    this.#options = options;
  }

  static async create(options: ChaosClusterOptions): Promise<ChaosCluster> {
    const cluster = await CofferCluster.create({
      size: options.size,
      performanceMultiplier: options.performanceMultiplier,
    });
    const network = await LinkProxyNetwork.start(
      cluster.nodes.map((node) => ({ name: node.name, upstreamPort: node.apiPort + 1 })),
      { nodeOfPid: () => pidsOf(cluster) },
    );
    for (const node of cluster.nodes) {
      const proxied = network.address(node.name);
      const config = readFileSync(node.configFile, "utf8")
        .replace(/cluster_addr = "[^"]*"/, `cluster_addr = "https://127.0.0.1:${proxied.port}"`)
        .replace(/(\n {2}address = "127\.0\.0\.1:\d+")/, `$1\n  cluster_address = "127.0.0.1:${node.apiPort + 1}"`);
      if (!config.includes("cluster_address")) throw new Error(`could not rewrite ${node.configFile}`);
      writeFileSync(node.configFile, config);
    }
    const probe = await probeSlowDisk(cluster.temp.path);
    const slowDisk = probe.available ? await SlowDisk.create(cluster.temp.path, options.slowDiskWriteIops) : undefined;
    return new ChaosCluster(cluster, network, slowDisk, probe.reason, options);
  }

  get size(): number {
    return this.cluster.nodes.length;
  }

  name(index: number): string {
    return this.cluster.node(index).name;
  }

  url(index: number): string {
    return this.cluster.node(index).url;
  }

  pid(index: number): number | undefined {
    return this.cluster.node(index).process?.pid;
  }

  get token(): string {
    return this.cluster.token;
  }

  /** Starts, initializes, unseals and joins every node; mounts KV v2 keeping every version. */
  async build(): Promise<void> {
    await this.#withEnvironment(async () => {
      await this.cluster.start(0);
      await this.cluster.initialize(0, 3, 2);
      await this.cluster.unseal(0);
      await this.cluster.waitForActive();
      const autopilot = await kvApi(this.url(0), this.token, "POST", "sys/storage/raft/autopilot/configuration", {
        server_stabilization_time: "2s",
      });
      if (autopilot.status !== 204) throw new Error(`autopilot configuration: ${autopilot.status}`);
      for (let index = 1; index < this.size; index++) await this.cluster.start(index);
      for (let index = 1; index < this.size; index++) await this.cluster.unseal(index);
    });
    await this.cluster.waitFor(
      "every node a voter",
      async () => (await this.cluster.peers()).filter((peer) => peer.voter).length === this.size,
    );
    const active = await this.cluster.waitForActive();
    const mount = await kvApi(this.url(active), this.token, "POST", `sys/mounts/${kvMount}`, {
      type: "kv",
      options: { version: "2" },
    });
    if (mount.status !== 204) throw new Error(`mount: ${mount.status} ${JSON.stringify(mount.body)}`);
    const config = await kvApi(this.url(active), this.token, "POST", `${kvMount}/config`, { max_versions: 1_000_000 });
    if (config.status !== 204 && config.status !== 200) throw new Error(`kv config: ${config.status}`);
  }

  /** kill -9. */
  async kill(index: number): Promise<void> {
    await this.cluster.kill(index);
  }

  /** Starts a stopped node again and unseals it (it rejoins as a standby). */
  async restart(index: number): Promise<void> {
    await this.#withEnvironment(async () => {
      await this.cluster.start(index);
    });
    await this.cluster.unseal(index);
  }

  running(index: number): boolean {
    return this.cluster.node(index).process !== undefined;
  }

  /** The unsafe switch is passed through the environment the harness hands to every process it starts. */
  async #withEnvironment(action: () => Promise<void>): Promise<void> {
    if (!this.#options.unsafeStaleReads) return action();
    const before = process.env.COFFER_UNSAFE_STALE_READS;
    process.env.COFFER_UNSAFE_STALE_READS = "1";
    try {
      await action();
    } finally {
      if (before === undefined) delete process.env.COFFER_UNSAFE_STALE_READS;
      else process.env.COFFER_UNSAFE_STALE_READS = before;
    }
  }

  async close(): Promise<void> {
    await this.network.close();
    await this.slowDisk?.close();
    await this.cluster.close();
  }
}

function pidsOf(cluster: CofferCluster): Map<number, string> {
  const pids = new Map<number, string>();
  for (const node of cluster.nodes) if (node.process?.pid !== undefined) pids.set(node.process.pid, node.name);
  return pids;
}
