/**
 * Helpers for unit tests of the core: a RaftNode over a MemoryStorage with a
 * chosen log, and a driver step that persists a Ready and returns it.
 */
import type { UnsafeTestFaults } from "../api.js";
import type { RaftConfig } from "../config.js";
import { bootstrapLog } from "../membership.js";
import type { Message } from "../messages.js";
import { RaftNode } from "../node.js";
import type { Ready } from "../ready.js";
import { MemoryStorage } from "../storage.js";
import { toLogIndex, toTerm } from "./../types.js";
import type { Configuration, Entry, NodeId } from "../types.js";

export function configurationOf(voters: readonly NodeId[], nonVoters: readonly NodeId[] = []): Configuration {
  return {
    servers: [
      ...voters.map((id) => ({ id, address: `addr-${id}`, suffrage: "voter" as const })),
      ...nonVoters.map((id) => ({ id, address: `addr-${id}`, suffrage: "nonvoter" as const })),
    ],
  };
}

const encoder = new TextEncoder();

export function entry(index: number, term: number, data = ""): Entry {
  return { index: toLogIndex(index), term: toTerm(term), kind: "normal", data: encoder.encode(data) };
}

export interface FixtureOptions {
  readonly id: NodeId;
  readonly voters?: readonly NodeId[];
  readonly nonVoters?: readonly NodeId[];
  /** Terms of the entries after the bootstrap entry (index 1, term 1): termsAfterBootstrap[0] is index 2's. */
  readonly terms?: readonly number[];
  readonly term?: number;
  readonly votedFor?: NodeId;
  readonly commit?: number;
  readonly config?: Partial<RaftConfig>;
  readonly random?: (bound: number) => number;
  readonly faults?: UnsafeTestFaults;
}

export interface Fixture {
  readonly node: RaftNode;
  readonly storage: MemoryStorage;
}

export function makeNode(options: FixtureOptions): Fixture {
  const storage = new MemoryStorage();
  const bootstrap = bootstrapLog(configurationOf(options.voters ?? ["1", "2", "3"], options.nonVoters ?? []));
  storage.append(bootstrap.entries);
  storage.append((options.terms ?? []).map((term, i) => entry(i + 2, term)));
  storage.setHardState({
    term: toTerm(options.term ?? Math.max(1, ...(options.terms ?? []))),
    votedFor: options.votedFor ?? "",
    commit: toLogIndex(options.commit ?? 0),
  });
  const node = new RaftNode({
    id: options.id,
    storage,
    config: { preVote: false, checkQuorum: false, ...options.config },
    randomInt: options.random ?? (() => 0),
    ...(options.faults ? { unsafeTestFaults: options.faults } : {}),
  });
  return { node, storage };
}

/** Persists one Ready into `storage` and advances; returns it (empty parts if there was nothing). */
export function drain(fixture: Fixture): Ready {
  const { node, storage } = fixture;
  if (!node.hasReady()) {
    return {
      softState: null,
      hardState: null,
      snapshot: null,
      entries: [],
      mustSync: false,
      messagesBeforePersist: [],
      messages: [],
      committedEntries: [],
      readStates: [],
    };
  }
  const ready = node.ready();
  if (ready.snapshot) storage.applySnapshot(ready.snapshot);
  storage.append(ready.entries);
  if (ready.hardState) storage.setHardState(ready.hardState);
  node.advance();
  return ready;
}

/** Every message of a Ready, in the order a driver sends them (before persisting, then after). */
export function outbox(ready: Ready): Message[] {
  return [...ready.messagesBeforePersist, ...ready.messages];
}

/** The messages of the next Ready (sent before and after persisting), of one type if given. */
export function sent<T extends Message["type"]>(fixture: Fixture, type?: T): Extract<Message, { type: T }>[] {
  const messages = outbox(drain(fixture));
  return messages.filter((message) => type === undefined || message.type === type) as Extract<Message, { type: T }>[];
}

/** Ticks a node until it campaigns (its timeout is exactly electionTicks with the default random). */
export function tickElection(node: RaftNode, electionTicks = 10): void {
  for (let i = 0; i < electionTicks; i++) node.tick();
}
