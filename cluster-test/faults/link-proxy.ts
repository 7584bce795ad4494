/**
 * The in-harness network layer: a TCP proxy in front of each node's cluster
 * port. Production code runs unchanged — a node simply advertises the
 * proxy's address as its `cluster_addr` (the Raft configuration stores the
 * advertised address, and every peer dials it for Raft traffic and request
 * forwarding), while its listener's `cluster_address` binds the real port
 * the proxy forwards to.
 *
 * All nodes dial from 127.0.0.1, so the proxy tells callers apart by the
 * process owning the calling socket (proc-sockets.ts), among the node pids
 * the harness names. A caller that is not a known node (a test client) is
 * never filtered.
 *
 * Link A -> B covers A's bytes on A's connections to B (client -> server)
 * and on B's connections to A (server -> client), so a one-way cut behaves
 * like dropped packets in one direction.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { type Link, type LinkFaults, linkName } from "./links.js";
import { connectionOwner } from "./proc-sockets.js";
import { Pump } from "./pump.js";

export interface ProxiedNode {
  readonly name: string;
  /** Where the node's cluster listener really listens. */
  readonly upstreamPort: number;
  readonly upstreamHost?: string;
}

export interface LinkProxyOptions {
  /** The current pid of each node (it changes on restart); consulted when a connection arrives. */
  readonly nodeOfPid: () => ReadonlyMap<number, string>;
}

interface Proxied {
  /** The calling node, or undefined for a caller that is not a node. */
  readonly caller: string | undefined;
  readonly target: string;
  readonly pumps: readonly Pump[];
  readonly sockets: readonly Socket[];
}

export class LinkProxyNetwork implements LinkFaults {
  readonly kind = "proxy";
  readonly #servers = new Map<string, Server>();
  readonly #ports = new Map<string, number>();
  readonly #cut = new Set<string>();
  readonly #delayMs = new Map<string, number>();
  readonly #connections = new Set<Proxied>();
  readonly #options: LinkProxyOptions;
  #closed = false;

  private constructor(options: LinkProxyOptions) {
    this.#options = options;
  }

  /** Starts one proxy per node on a free loopback port. */
  static async start(nodes: readonly ProxiedNode[], options: LinkProxyOptions): Promise<LinkProxyNetwork> {
    const network = new LinkProxyNetwork(options);
    for (const node of nodes) await network.#listen(node);
    return network;
  }

  /** The address peers must dial to reach `node` (its `cluster_addr` host:port). */
  address(node: string): { host: string; port: number } {
    const port = this.#ports.get(node);
    if (port === undefined) throw new Error(`no proxy for ${node}`);
    return { host: "127.0.0.1", port };
  }

  async #listen(node: ProxiedNode): Promise<void> {
    const server = createServer({ pauseOnConnect: true }, (socket) => {
      void this.#accept(node, socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("proxy has no port");
    this.#servers.set(node.name, server);
    this.#ports.set(node.name, address.port);
  }

  async #accept(node: ProxiedNode, client: Socket): Promise<void> {
    client.on("error", () => {});
    const pidToNode = this.#options.nodeOfPid();
    const ownerPid = await connectionOwner(client.remotePort ?? 0, this.#ports.get(node.name) ?? 0, pidToNode.keys());
    if (this.#closed || client.destroyed) {
      client.destroy();
      return;
    }
    const caller = ownerPid === undefined ? undefined : pidToNode.get(ownerPid);
    const upstream = createConnection({ host: node.upstreamHost ?? "127.0.0.1", port: node.upstreamPort });
    upstream.on("error", () => {});
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    const direction = (from: string | undefined, to: string | undefined) => ({
      blocked: () => from !== undefined && to !== undefined && this.#cut.has(linkName({ from, to })),
      delayMs: () => (from !== undefined && to !== undefined ? (this.#delayMs.get(linkName({ from, to })) ?? 0) : 0),
    });
    const proxied: Proxied = {
      caller,
      target: node.name,
      pumps: [
        new Pump(client, upstream, direction(caller, node.name)),
        new Pump(upstream, client, direction(node.name, caller)),
      ],
      sockets: [client, upstream],
    };
    this.#connections.add(proxied);
    const forget = () => {
      if (client.destroyed && upstream.destroyed) this.#connections.delete(proxied);
    };
    client.on("close", forget);
    upstream.on("close", forget);
    client.resume();
  }

  async cut(from: string, to: string): Promise<void> {
    this.#cut.add(linkName({ from, to }));
  }

  async heal(from: string, to: string): Promise<void> {
    if (this.#cut.delete(linkName({ from, to }))) this.#flushAll();
  }

  async healAll(): Promise<void> {
    this.#cut.clear();
    this.#delayMs.clear();
    this.#flushAll();
  }

  /** Holds every chunk from `from` to `to` for `delayMs` (0 removes the delay). */
  setDelay(from: string, to: string, delayMs: number): void {
    if (delayMs <= 0) this.#delayMs.delete(linkName({ from, to }));
    else this.#delayMs.set(linkName({ from, to }), delayMs);
    this.#flushAll();
  }

  cutLinks(): readonly Link[] {
    return [...this.#cut].map((name) => {
      const [from = "", to = ""] = name.split("->");
      return { from, to };
    });
  }

  /** Open proxied connections by caller -> target, for tests and reports. */
  connections(): readonly { caller: string | undefined; target: string }[] {
    return [...this.#connections].map(({ caller, target }) => ({ caller, target }));
  }

  #flushAll(): void {
    for (const connection of this.#connections) for (const pump of connection.pumps) pump.flush();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const connection of this.#connections) {
      for (const pump of connection.pumps) pump.close();
      for (const socket of connection.sockets) socket.destroy();
    }
    this.#connections.clear();
    await Promise.all(
      [...this.#servers.values()].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
