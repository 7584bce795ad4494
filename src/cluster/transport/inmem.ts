/**
 * An in-process transport for tests: servers on one `InmemNetwork` exchange
 * messages through the event loop (never synchronously, as over a socket),
 * and links can be cut to test partitions. Messages are not copied: Raft
 * messages are immutable by contract.
 */
import { assert } from "../../lib/index.js";
import type { InstallSnapshot, Message, NodeId } from "../../raft/index.js";
import type { Peer, SnapshotSendOutcome, Transport, TransportHandler, TransportStats } from "./transport.js";

const inFlightPerTargetMax = 4096;

export class InmemNetwork {
  readonly #transports = new Map<NodeId, InmemTransport>();
  readonly #cut = new Set<string>();

  /** A transport for server `id` on this network. */
  transport(id: NodeId): InmemTransport {
    assert(!this.#transports.has(id), `server ${id} already on the network`);
    const transport = new InmemTransport(id, this);
    this.#transports.set(id, transport);
    return transport;
  }

  /** Drops everything from `from` to `to` until `heal` (one direction). */
  cut(from: NodeId, to: NodeId): void {
    this.#cut.add(`${from}\u0000${to}`);
  }

  /** Cuts both directions between `a` and every other server. */
  isolate(a: NodeId): void {
    for (const other of this.#transports.keys()) {
      if (other === a) continue;
      this.cut(a, other);
      this.cut(other, a);
    }
  }

  heal(): void {
    this.#cut.clear();
  }

  /** @internal */
  route(from: NodeId, to: NodeId): InmemTransport | undefined {
    if (this.#cut.has(`${from}\u0000${to}`)) return undefined;
    return this.#transports.get(to);
  }

  /** @internal */
  leave(id: NodeId, transport: InmemTransport): void {
    if (this.#transports.get(id) === transport) this.#transports.delete(id);
  }
}

export class InmemTransport implements Transport {
  readonly id: NodeId;
  readonly #network: InmemNetwork;
  #handler: TransportHandler | undefined;
  #inFlight = 0;
  #sent = 0;
  #received = 0;
  #dropped = 0;
  #closed = false;

  constructor(id: NodeId, network: InmemNetwork) {
    this.id = id;
    this.#network = network;
  }

  async start(handler: TransportHandler): Promise<void> {
    this.#handler = handler;
  }

  address(): string {
    return `inmem:${this.id}`;
  }

  setPeers(_peers: readonly Peer[]): void {
    // Every server on the network is reachable by id.
  }

  send(message: Message): void {
    const target = this.#closed ? undefined : this.#network.route(this.id, message.to);
    if (target === undefined || !target.#accepting()) {
      this.#dropped += 1;
      return;
    }
    this.#sent += 1;
    target.#inFlight += 1;
    setImmediate(() => {
      target.#inFlight -= 1;
      target.#receive(message);
    });
  }

  async sendSnapshot(message: InstallSnapshot, chunks: AsyncIterable<Uint8Array>): Promise<SnapshotSendOutcome> {
    const target = this.#closed ? undefined : this.#network.route(this.id, message.to);
    const handler = target ? target.#handler : undefined;
    if (!target || !handler || target.#closed) return "failed";
    const { from, to, term } = message;
    try {
      await handler.onSnapshot({ from, to, term, meta: message.snapshot.meta, chunks });
      return "finished";
    } catch {
      return "failed";
    }
  }

  stats(): TransportStats {
    return { sent: this.#sent, received: this.#received, dropped: this.#dropped, queued: 0 };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#network.leave(this.id, this);
  }

  #accepting(): boolean {
    return !this.#closed && this.#handler !== undefined && this.#inFlight < inFlightPerTargetMax;
  }

  #receive(message: Message): void {
    if (this.#closed || !this.#handler) return;
    this.#received += 1;
    this.#handler.onMessage(message);
  }
}
