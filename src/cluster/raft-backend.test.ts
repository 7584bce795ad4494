import { join } from "node:path";
import t from "tap";
import { runBackendConformance } from "../physical/conformance.js";
import type { TransactionOp } from "../physical/index.js";
import { toLogIndex, toTerm } from "../raft/index.js";
import { Fsm } from "./fsm.js";
import { encodeCommand } from "./fsm-command.js";
import { NodeDatabase } from "./node-db.js";
import { RaftBackend, type RaftProposer } from "./raft-backend.js";
import { tempDir } from "./test-helpers.js";

/**
 * The trivial single-node loop: every proposal becomes the next entry and is
 * applied (synced) in order; reads need no barrier with one node. It stands
 * in for the driver until that exists, so the backend is tested on the real
 * FSM and LevelDB.
 */
class SingleNodeLoop implements RaftProposer {
  readonly #fsm: Fsm;
  #tail: Promise<void> = Promise.resolve();
  proposals = 0;
  reads = 0;

  constructor(fsm: Fsm) {
    this.#fsm = fsm;
  }

  propose(ops: readonly TransactionOp[]): Promise<void> {
    this.proposals += 1;
    // Encoding copies every value, so the caller may reuse its buffers at once (as with the driver).
    const data = encodeCommand(ops);
    const applied = this.#tail.then(async () => {
      const index = toLogIndex(this.#fsm.applied().index + 1);
      await this.#fsm.apply([{ index, term: toTerm(1), kind: "normal", data }], { sync: true });
    });
    this.#tail = applied.catch(() => undefined);
    return applied;
  }

  async readIndex(): Promise<void> {
    this.reads += 1;
    await this.#tail;
  }
}

async function openBackend(path: string): Promise<{ backend: RaftBackend; loop: SingleNodeLoop }> {
  const db = await NodeDatabase.open(path);
  const fsm = await Fsm.open(db);
  const loop = new SingleNodeLoop(fsm);
  return { backend: new RaftBackend({ proposer: loop, fsm, onClose: () => db.close() }), loop };
}

t.test("Raft backend conformance over a single-node loop", async (t) => {
  const root = tempDir(t, "raft-backend");
  let generation = 0;
  let current = "";
  await runBackendConformance(t, {
    open: async () => {
      current = join(root, `db-${generation++}`);
      return (await openBackend(current)).backend;
    },
    reopen: async () => (await openBackend(current)).backend,
  });
});

t.test("writes are proposals and reads pass the barrier", async (t) => {
  const { backend, loop } = await openBackend(join(tempDir(t, "raft-backend"), "db"));
  await backend.put("a", new Uint8Array([1]));
  await backend.transaction([
    { type: "put", key: "b", value: new Uint8Array([2]) },
    { type: "delete", key: "a" },
  ]);
  await backend.transaction([]);
  t.equal(loop.proposals, 2, "one proposal per write; an empty transaction proposes nothing");
  await backend.get("b");
  await backend.list("");
  t.equal(loop.reads, 2, "every read waits for readIndex");
  await t.rejects(backend.put("", new Uint8Array()), { code: "invalid_request" });
  t.equal(loop.proposals, 2, "an invalid write is refused before it is proposed");
  await backend.close();
});
