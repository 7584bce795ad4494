/**
 * `storage "raft"` as the server runs it: one physical Backend over the
 * node's LevelDB whose behaviour follows the node's lifecycle (as Vault's
 * raft backend):
 *
 * - local (sealed, or not yet a member): the Raft driver and the cluster port
 *   are down; reads are served by the local FSM (so a restarted member can
 *   read its seal configuration and keyring and be unsealed); writes fail.
 * - running (unsealed member): the driver and the gRPC cluster server run.
 *   Writes are proposals (a non-leader refuses them with a retryable
 *   `unavailable`). Reads are linearizable while `linearizableReads` is on
 *   (the core turns it on while this node is, or is becoming, the active):
 *   one readIndex round per batch of concurrent reads, then a local read.
 *   Otherwise (a standby) reads are local.
 *
 * The driver owns the LevelDB while it runs, so switching modes closes one
 * owner and opens the other; reads wait for the switch, and the local store
 * is closed only once reads in progress on it are done.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CofferError, currentRequestScope, limits, newUuid } from "../lib/index.js";
import type { Backend, TransactionOp } from "../physical/index.js";
import { ClosedError, checkKey, checkTransaction, checkValue } from "../physical/index.js";
import type { Configuration, NodeId, RaftConfig } from "../raft/index.js";
import { RaftDriver } from "./driver.js";
import type { DriverEvent, DriverStatus } from "./driver-types.js";
import { NodeStorage } from "./node-storage.js";
import { ObservedTransport } from "./observed-transport.js";
import {
  type ClusterTlsPem,
  clusterChannelCredentials,
  clusterServerCredentials,
  clusterTlsServerName,
} from "./tls/cluster-tls.js";
import { type ExtraService, GrpcTransport } from "./transport/grpc-transport.js";

export interface RaftStorageOptions {
  readonly dataDir: string;
  /** From config/env; undefined: read `<dataDir>/node-id`, creating it (a random id) the first time. */
  readonly nodeId?: string;
  /** host:port the cluster port binds to. */
  readonly clusterListenAddress: string;
  /** host:port peers reach this node at (cluster_addr without the scheme): the address in the configuration. */
  readonly clusterAdvertiseAddress: string;
  readonly tickMs: number;
  readonly raft: Partial<RaftConfig>;
  readonly snapshotThreshold: number;
  readonly trailingLogs: number;
  readonly requestTimeoutMs?: number;
  /** Largest write (keys and values of one entry) accepted (Vault: max_entry_size); never above the Raft entry limit. */
  readonly maxEntryBytes?: number;
}

/** What the cluster port serves besides Raft (request forwarding), given when the driver starts. */
export interface ClusterPortServices {
  readonly tls: ClusterTlsPem;
  readonly extraServices: readonly ExtraService[];
}

/** The node's view of the cluster, for sys/leader, status and autopilot. */
export interface RaftNodeStatus extends DriverStatus {
  /** When each peer was last heard from (ms since the epoch), by id. */
  readonly lastContactMs: ReadonlyMap<NodeId, number>;
}

async function resolveNodeId(dataDir: string, configured: string | undefined): Promise<string> {
  if (configured !== undefined && configured !== "") return configured;
  const file = join(dataDir, "node-id");
  try {
    const stored = (await readFile(file, "utf8")).trim();
    if (stored !== "") return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const id = newUuid();
  await writeFile(file, `${id}\n`, { mode: 0o600 });
  return id;
}

interface Running {
  readonly driver: RaftDriver;
  readonly transport: ObservedTransport;
  readonly unsubscribe: () => void;
}

export class RaftStorage implements Backend {
  readonly nodeId: string;
  readonly #options: RaftStorageOptions;
  #local: NodeStorage | undefined;
  #localReaders = 0;
  #localIdle: (() => void) | undefined;
  #running: Running | undefined;
  /** A mode switch in progress; every call waits for it. */
  #switching: Promise<void> | undefined;
  #linearizable = false;
  #readRound: Promise<number> | undefined;
  #nextReadRound: Promise<number> | undefined;
  readonly #listeners = new Set<(event: DriverEvent) => void>();
  #closing: Promise<void> | undefined;

  private constructor(options: RaftStorageOptions, nodeId: string, local: NodeStorage) {
    this.#options = options;
    this.nodeId = nodeId;
    this.#local = local;
  }

  static async open(options: RaftStorageOptions): Promise<RaftStorage> {
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    const nodeId = await resolveNodeId(options.dataDir, options.nodeId);
    const local = await NodeStorage.open({ dataDir: options.dataDir });
    return new RaftStorage(options, nodeId, local);
  }

  /** Whether this node has Raft state (it founded or joined a cluster); a node without it may join one. */
  hasState(): boolean {
    const storage = this.#local;
    if (this.#running) return true;
    if (!storage) return false;
    return storage.log.lastIndex() > 0 || storage.stable.hardState().term > 0;
  }

  /** The cluster port's bound address while running ("" otherwise). */
  clusterAddress(): string {
    return this.#running?.transport.address() ?? "";
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  /**
   * Starts the cluster port and the driver. `bootstrap` founds a one-voter
   * cluster of this node (init); a joined node starts with no configuration
   * and learns it from the leader.
   */
  start(services: ClusterPortServices, options: { bootstrap?: boolean } = {}): Promise<void> {
    return this.#switch(async () => {
      if (this.#running) return;
      await this.#closeLocal();
      const grpcTransport = new GrpcTransport({
        id: this.nodeId,
        listenAddress: this.#options.clusterListenAddress,
        serverCredentials: clusterServerCredentials(services.tls),
        channelCredentials: clusterChannelCredentials(services.tls),
        tlsServerName: clusterTlsServerName,
        extraServices: services.extraServices,
      });
      const transport = new ObservedTransport(grpcTransport);
      const bootstrap: Configuration | undefined = options.bootstrap
        ? { servers: [{ id: this.nodeId, address: this.#options.clusterAdvertiseAddress, suffrage: "voter" }] }
        : undefined;
      let driver: RaftDriver;
      try {
        driver = await RaftDriver.open({
          id: this.nodeId,
          dataDir: this.#options.dataDir,
          transport,
          ...(bootstrap ? { bootstrap } : {}),
          raft: this.#options.raft,
          tickMs: this.#options.tickMs,
          snapshotThreshold: this.#options.snapshotThreshold,
          trailingLogs: this.#options.trailingLogs,
          requestTimeoutMs: this.#options.requestTimeoutMs ?? 15_000,
        });
      } catch (error) {
        this.#local = await NodeStorage.open({ dataDir: this.#options.dataDir });
        throw error;
      }
      const unsubscribe = driver.on((event) => {
        for (const listener of this.#listeners) listener(event);
      });
      this.#running = { driver, transport, unsubscribe };
    });
  }

  /** Stops the driver and the cluster port (seal); reads go to the local FSM again. */
  stop(): Promise<void> {
    return this.#switch(async () => {
      const running = this.#running;
      if (!running) return;
      this.#running = undefined;
      this.#linearizable = false;
      running.unsubscribe();
      await running.driver.close();
      if (this.#closing === undefined) this.#local = await NodeStorage.open({ dataDir: this.#options.dataDir });
    });
  }

  /** Reads wait for a readIndex round (the active) or are served locally (a standby). */
  setLinearizableReads(on: boolean): void {
    this.#linearizable = on;
  }

  on(listener: (event: DriverEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  status(): RaftNodeStatus | undefined {
    const running = this.#running;
    if (!running) return undefined;
    const status = running.driver.status();
    const lastContactMs = new Map<NodeId, number>();
    for (const server of status.configuration.servers) {
      const at = running.transport.lastContactMs(server.id);
      if (at !== undefined) lastContactMs.set(server.id, at);
    }
    return { ...status, lastContactMs };
  }

  /** The applied index of the local FSM, running or not. */
  appliedIndex(): number {
    const fsm = this.#running?.driver.fsm ?? this.#local?.fsm;
    return fsm ? fsm.applied().index : 0;
  }

  /**
   * Resolves once a readIndex round issued after this call has been applied
   * here, with the leader term it confirmed (0 when this node was not leader).
   */
  readBarrier(): Promise<number> {
    const driver = this.#requireDriver();
    if (!this.#readRound) {
      this.#readRound = driver.readIndex().finally(() => {
        this.#readRound = undefined;
      });
      return this.#readRound;
    }
    // A round in flight may have taken its index before this read began: wait for the next one.
    this.#nextReadRound ??= this.#readRound
      .catch(() => undefined)
      .then(() => {
        this.#nextReadRound = undefined;
        return this.readBarrier();
      });
    return this.#nextReadRound;
  }

  addNonVoter(id: NodeId, address: string): Promise<{ index: number }> {
    return this.#requireDriver().addNonVoter(id, address);
  }

  addVoter(id: NodeId, address: string): Promise<{ index: number }> {
    return this.#requireDriver().addVoter(id, address);
  }

  removeServer(id: NodeId): Promise<{ index: number }> {
    return this.#requireDriver().removeServer(id);
  }

  transferLeadership(to?: NodeId): Promise<void> {
    return this.#requireDriver().transferLeadership(to);
  }

  // ---- Backend --------------------------------------------------------------

  async get(key: string): Promise<Uint8Array | undefined> {
    checkKey(key);
    return this.#read((fsm) => fsm.get(key));
  }

  async list(prefix: string): Promise<string[]> {
    return this.#read((fsm) => fsm.list(prefix));
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    checkKey(key);
    checkValue(value);
    await this.#propose([{ type: "put", key, value }]);
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.#propose([{ type: "delete", key }]);
  }

  async transaction(ops: readonly TransactionOp[]): Promise<void> {
    checkTransaction(ops);
    if (ops.length === 0) return;
    await this.#propose(ops);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#switching;
      const running = this.#running;
      this.#running = undefined;
      if (running) {
        running.unsubscribe();
        await running.driver.close();
      }
      await this.#closeLocal();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals --------------------------------------------------------------

  async #read<T>(read: (fsm: NodeStorage["fsm"]) => Promise<T>): Promise<T> {
    await this.#ready();
    const running = this.#running;
    if (running) {
      if (this.#linearizable) await this.#confirmLeadership();
      return read(running.driver.fsm);
    }
    const local = this.#local;
    if (!local) throw new ClosedError();
    this.#localReaders += 1;
    try {
      return await read(local.fsm);
    } finally {
      this.#localReaders -= 1;
      if (this.#localReaders === 0) this.#localIdle?.();
    }
  }

  async #propose(ops: readonly TransactionOp[]): Promise<void> {
    await this.#ready();
    const running = this.#running;
    if (!running) throw new CofferError("unavailable", "raft is not running on this node (sealed or not joined)");
    let bytes = 0;
    for (const op of ops) bytes += op.key.length + (op.type === "put" ? op.value.byteLength : 0);
    const maxBytes = Math.min(this.#options.maxEntryBytes ?? limits.raftEntryBytesMax, limits.raftEntryBytesMax);
    if (bytes > maxBytes) {
      throw new CofferError(
        "payload_too_large",
        `put failed due to value being too large; got ${bytes} bytes, max: ${maxBytes} bytes`,
      );
    }
    // Fenced on the term this request's reads were confirmed in (see #confirmLeadership).
    const confirmation = this.#linearizable ? currentRequestScope()?.leadershipConfirmation : undefined;
    const leaderTerm = confirmation ? await confirmation : undefined;
    await running.driver.propose(ops, leaderTerm === undefined ? {} : { leaderTerm });
  }

  /**
   * Linearizable reads need this node to still lead when the read begins.
   * Inside an API request one confirmation serves all its reads: every read
   * then sees at least the state committed when the request's first read
   * began (its linearization point), and the request's writes are refused if
   * leadership changed since — so a write computed from those reads (a
   * check-and-set, a token check) can never land after another leader has
   * changed what it read. Outside a request (timers) every read confirms.
   */
  #confirmLeadership(): Promise<number> {
    const scope = currentRequestScope();
    if (!scope) return this.readBarrier();
    scope.leadershipConfirmation ??= this.readBarrier();
    return scope.leadershipConfirmation;
  }

  async #ready(): Promise<void> {
    if (this.#closing !== undefined) throw new ClosedError();
    while (this.#switching) await this.#switching;
  }

  #requireDriver(): RaftDriver {
    const running = this.#running;
    if (!running) throw new CofferError("unavailable", "raft is not running on this node (sealed or not joined)");
    return running.driver;
  }

  async #switch(change: () => Promise<void>): Promise<void> {
    while (this.#switching) await this.#switching;
    if (this.#closing !== undefined) throw new ClosedError();
    const switching = change().finally(() => {
      if (this.#switching === switching) this.#switching = undefined;
    });
    this.#switching = switching;
    await switching;
  }

  async #closeLocal(): Promise<void> {
    const local = this.#local;
    if (!local) return;
    this.#local = undefined;
    if (this.#localReaders > 0) {
      await new Promise<void>((resolve) => {
        this.#localIdle = resolve;
      });
      this.#localIdle = undefined;
    }
    await local.close();
  }
}
