/**
 * A Transport decorator for the cluster port: it records when each peer was
 * last heard from (autopilot's `last_contact`, health of the leader link) and
 * drops messages whose sender is not in the configuration. All members share
 * one certificate, so the TLS layer proves only that a sender is a member of
 * some generation of this cluster; a server removed from the configuration
 * still holds the certificate, and this check keeps it out of elections.
 * With no configuration yet (a node that has just joined and not received
 * its log), every sender is accepted: the leader is what teaches it one.
 */
import type { Message, NodeId } from "../raft/index.js";
import type { IncomingSnapshot, Peer, Transport, TransportHandler, TransportStats } from "./transport/transport.js";

export class ObservedTransport implements Transport {
  readonly id: NodeId;
  readonly #inner: Transport;
  readonly #now: () => number;
  #members = new Set<NodeId>();
  readonly #lastContactMs = new Map<NodeId, number>();
  #refused = 0;

  constructor(inner: Transport, now: () => number = Date.now) {
    this.id = inner.id;
    this.#inner = inner;
    this.#now = now;
  }

  start(handler: TransportHandler): Promise<void> {
    return this.#inner.start({
      onMessage: (message: Message) => {
        if (!this.#admits(message.from)) return;
        handler.onMessage(message);
      },
      onSnapshot: async (snapshot: IncomingSnapshot) => {
        if (!this.#admits(snapshot.from)) throw new Error(`snapshot from ${snapshot.from}, not a member`);
        await handler.onSnapshot(snapshot);
      },
    });
  }

  address(): string {
    return this.#inner.address();
  }

  setPeers(peers: readonly Peer[]): void {
    this.#members = new Set(peers.map((peer) => peer.id));
    for (const id of this.#lastContactMs.keys()) if (!this.#members.has(id)) this.#lastContactMs.delete(id);
    this.#inner.setPeers(peers);
  }

  send(message: Message): void {
    this.#inner.send(message);
  }

  sendSnapshot(...args: Parameters<Transport["sendSnapshot"]>): ReturnType<Transport["sendSnapshot"]> {
    return this.#inner.sendSnapshot(...args);
  }

  stats(): TransportStats {
    const inner = this.#inner.stats();
    return { ...inner, dropped: inner.dropped + this.#refused };
  }

  /** When `peer` was last heard from (ms since the epoch), or undefined if never since start. */
  lastContactMs(peer: NodeId): number | undefined {
    return this.#lastContactMs.get(peer);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  #admits(from: NodeId): boolean {
    if (this.#members.size > 0 && !this.#members.has(from)) {
      this.#refused += 1;
      return false;
    }
    this.#lastContactMs.set(from, this.#now());
    return true;
  }
}
