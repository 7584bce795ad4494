/**
 * A Coffer cluster of real `coffer server` processes on loopback, for the HA
 * tests (and the chaos tests that build on them): one config file per node
 * (`storage "raft"` with `retry_join` blocks naming every member, as a
 * StatefulSet would), init on node 0, unseal, join, kill, restart, wipe.
 * Nothing is mocked: every call goes over HTTP to a real process.
 */
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePortPair } from "./ports.js";
import { api, cofferBin, ServerProcess, TempDir, type UnexpectedExit } from "./server-process.js";

export interface ClusterOptions {
  readonly size: number;
  /** Vault's performance_multiplier: 2 gives 200 ms heartbeats and 2-4 s elections (robust on a busy machine). */
  readonly performanceMultiplier?: number;
  readonly shares?: number;
  readonly threshold?: number;
}

export interface ClusterNode {
  readonly name: string;
  readonly apiPort: number;
  readonly url: string;
  readonly dataDir: string;
  readonly configFile: string;
  process: ServerProcess | undefined;
}

export interface InitResult {
  readonly keys: string[];
  readonly rootToken: string;
}

export class CofferCluster {
  readonly nodes: ClusterNode[];
  readonly temp: TempDir;
  /** Every node process that ended without the harness stopping or killing it. */
  readonly unexpectedExits: (UnexpectedExit & { readonly node: string })[] = [];
  #init: InitResult | undefined;

  private constructor(temp: TempDir, nodes: ClusterNode[]) {
    this.temp = temp;
    this.nodes = nodes;
  }

  /** Writes one config file per node (nothing started yet). */
  static async create(options: ClusterOptions): Promise<CofferCluster> {
    const temp = new TempDir("coffer-cluster-");
    const ports: number[] = [];
    for (let i = 0; i < options.size; i++) ports.push(await freePortPair());
    const members = ports.map((port) => `http://127.0.0.1:${port}`);
    const nodes = ports.map((apiPort, index): ClusterNode => {
      const name = `node${index + 1}`;
      const url = `http://127.0.0.1:${apiPort}`;
      const dataDir = join(temp.path, `data-${name}`);
      const retryJoin = members
        .filter((member) => member !== url)
        .map((member) => `  retry_join {\n    leader_api_addr = "${member}"\n  }`)
        .join("\n");
      const config = [
        `storage "raft" {`,
        `  path = "${dataDir}"`,
        `  node_id = "${name}"`,
        `  performance_multiplier = ${options.performanceMultiplier ?? 2}`,
        `  autopilot_reconcile_interval = "1s"`,
        retryJoin,
        `}`,
        `listener "tcp" {`,
        `  address = "127.0.0.1:${apiPort}"`,
        `  tls_disable = true`,
        `}`,
        `api_addr = "${url}"`,
        `cluster_addr = "https://127.0.0.1:${apiPort + 1}"`,
        `disable_mlock = true`,
        "",
      ].join("\n");
      return { name, apiPort, url, dataDir, configFile: temp.file(`${name}.hcl`, config), process: undefined };
    });
    return new CofferCluster(temp, nodes);
  }

  node(index: number): ClusterNode {
    const node = this.nodes[index];
    if (!node) throw new Error(`no node ${index}`);
    return node;
  }

  get init(): InitResult {
    if (!this.#init) throw new Error("the cluster is not initialized yet");
    return this.#init;
  }

  get token(): string {
    return this.init.rootToken;
  }

  async start(index: number): Promise<ServerProcess> {
    const node = this.node(index);
    node.process = await ServerProcess.start(node.url, {
      args: [`-config=${node.configFile}`],
      onUnexpectedExit: (exit) => this.unexpectedExits.push({ node: node.name, ...exit }),
    });
    return node.process;
  }

  async initialize(index: number, shares = 3, threshold = 2): Promise<InitResult> {
    const answer = await api(this.node(index).url, "PUT", "sys/init", {
      body: { secret_shares: shares, secret_threshold: threshold },
    });
    if (answer.status !== 200) throw new Error(`init failed: ${answer.status} ${answer.text}`);
    this.#init = { keys: answer.body.keys_base64 as string[], rootToken: answer.body.root_token as string };
    return this.#init;
  }

  /** Submits shares until the node reports unsealed (a joining node first waits for its challenge). */
  async unseal(index: number, keys: readonly string[] = this.init.keys): Promise<void> {
    const node = this.node(index);
    await this.waitFor(`${node.name} initialized (challenge received)`, async () => {
      const status = await api(node.url, "GET", "sys/seal-status");
      return status.body.initialized === true;
    });
    for (const key of keys) {
      const answer = await api(node.url, "PUT", "sys/unseal", { body: { key } });
      if (answer.status !== 200) throw new Error(`unseal of ${node.name} failed: ${answer.status} ${answer.text}`);
      if (answer.body.sealed === false) return;
    }
    throw new Error(`${node.name} is still sealed after every key`);
  }

  async kill(index: number): Promise<void> {
    await this.node(index).process?.kill();
    this.node(index).process = undefined;
  }

  async stop(index: number): Promise<void> {
    await this.node(index).process?.stop();
    this.node(index).process = undefined;
  }

  /** Deletes a (stopped) node's data directory: the node is destroyed for good. */
  wipe(index: number): void {
    rmSync(this.node(index).dataDir, { recursive: true, force: true });
  }

  /** The index of the node that answers sys/leader with is_self, or undefined. */
  async activeIndex(): Promise<number | undefined> {
    for (const [index, node] of this.nodes.entries()) {
      if (!node.process) continue;
      try {
        const leader = await api(node.url, "GET", "sys/leader");
        if (leader.body.is_self === true) return index;
      } catch {
        // a node that does not answer is not the active one
      }
    }
    return undefined;
  }

  async waitForActive(): Promise<number> {
    let found: number | undefined;
    await this.waitFor("an active node", async () => {
      found = await this.activeIndex();
      return found !== undefined;
    });
    return found as number;
  }

  /** The Raft configuration as the active node reports it. */
  async peers(): Promise<Array<{ node_id: string; voter: boolean; leader: boolean }>> {
    const index = await this.waitForActive();
    const answer = await api(this.node(index).url, "GET", "sys/storage/raft/configuration", { token: this.token });
    const config = (answer.body.data as { config?: { servers?: unknown } } | undefined)?.config;
    return (config?.servers ?? []) as Array<{ node_id: string; voter: boolean; leader: boolean }>;
  }

  async waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        if (await check()) return;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: lastError });
      await sleep(200);
    }
  }

  /** Runs the `coffer` CLI against a node; resolves with its exit code and output. */
  cli(index: number, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [cofferBin, ...args],
        { env: { ...process.env, VAULT_ADDR: this.node(index).url, VAULT_TOKEN: this.#init?.rootToken ?? "" } },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** Logs of every node, for a failing test's output. */
  logs(): string {
    return this.nodes
      .map((node) => `---- ${node.name}\n${node.process?.stderr.slice(-4000) ?? "(not running)"}`)
      .join("\n");
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.process?.kill()));
    this.temp.cleanup();
  }
}
