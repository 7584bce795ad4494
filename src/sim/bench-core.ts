/**
 * Not a test: proposals per second through three RaftNodes over
 * MemoryStorage with messages delivered in-process (no I/O, no fsync), for
 * one proposal per Ready round and for 64. It measures the core's own cost,
 * an upper bound for the cluster driver. Run: node dist/src/sim/bench-core.js
 */
import type { Message, NodeId } from "../raft/index.js";
import { bootstrapLog, MemoryStorage, RaftNode, toLogIndex } from "../raft/index.js";

interface BenchNode {
  readonly node: RaftNode;
  readonly storage: MemoryStorage;
}

function makeCluster(ids: readonly NodeId[]): Map<NodeId, BenchNode> {
  const bootstrap = bootstrapLog({ servers: ids.map((id) => ({ id, address: id, suffrage: "voter" as const })) });
  const nodes = new Map<NodeId, BenchNode>();
  for (const id of ids) {
    const storage = new MemoryStorage();
    storage.append(bootstrap.entries);
    storage.setHardState(bootstrap.hardState);
    nodes.set(id, { node: new RaftNode({ id, storage, randomInt: () => 0 }), storage });
  }
  return nodes;
}

/** Runs every node's Ready loop and delivers messages until the cluster is quiet. */
function pump(nodes: Map<NodeId, BenchNode>): void {
  let inbox: Message[] = [];
  let moved = true;
  while (moved) {
    moved = false;
    for (const { node, storage } of nodes.values()) {
      while (node.hasReady()) {
        moved = true;
        const ready = node.ready();
        inbox.push(...ready.messagesBeforePersist);
        if (ready.snapshot) storage.applySnapshot(ready.snapshot);
        storage.append(ready.entries);
        if (ready.hardState) storage.setHardState(ready.hardState);
        inbox.push(...ready.messages);
        node.advance();
      }
    }
    const batch = inbox;
    inbox = [];
    for (const message of batch) {
      moved = true;
      nodes.get(message.to)?.node.step(message);
    }
  }
}

/** Keeps memory flat: snapshot and compact every node at its applied index. */
function compact(nodes: Map<NodeId, BenchNode>): void {
  for (const { node, storage } of nodes.values()) {
    const status = node.status();
    const term = storage.term(status.applied);
    if (term === undefined || status.applied <= storage.firstIndex()) continue;
    storage.createSnapshot({
      meta: { index: status.applied, term, configuration: status.appliedConfiguration },
      data: new Uint8Array(),
    });
    storage.compact(toLogIndex(status.applied));
  }
}

const nodes = makeCluster(["a", "b", "c"]);
const leader = nodes.get("a")!.node;
leader.campaign();
pump(nodes);
const proposals = 100_000;
const payload = new Uint8Array(100);
for (const perRound of [1, 64]) {
  const startedMs = performance.now();
  for (let sent = 0; sent < proposals; sent += perRound) {
    for (let i = 0; i < perRound; i++) leader.propose(payload);
    pump(nodes);
    if (sent % 10_000 < perRound) compact(nodes);
  }
  const seconds = (performance.now() - startedMs) / 1000;
  console.log(
    `${perRound} proposal(s) per round: ${Math.round(proposals / seconds)} proposals/s (3 cores, 100-byte payloads, no I/O)`,
  );
}
