/**
 * The driver against inputs the core refuses or forgets: a malformed message
 * in the middle of an inbox, and linearizable reads pending on a leader that
 * loses its leadership (the core drops them without a word).
 */
import t from "tap";
import type { Message } from "../raft/index.js";
import { toLogIndex, toTerm } from "../raft/index.js";
import { utf8 } from "./bytes.js";
import { waitFor } from "./cluster-harness.js";
import { RaftDriver } from "./driver.js";
import type { DriverEvent } from "./driver-types.js";
import { tempDir } from "./test-helpers.js";
import { InmemNetwork } from "./transport/inmem.js";

/** Rejects if `promise` has not settled within `boundMs`: a guard against hanging, not a timing assertion. */
function settling<T>(promise: Promise<T>, boundMs = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${boundMs} ms`)), boundMs);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

t.test("a malformed message is dropped alone: the messages after it in the inbox are still stepped", async (t) => {
  const network = new InmemNetwork();
  const configuration = { servers: [{ id: "solo", address: "inmem:solo", suffrage: "voter" as const }] };
  const driver = await RaftDriver.open({
    id: "solo",
    dataDir: tempDir(t, "driver-malformed"),
    transport: network.transport("solo"),
    bootstrap: configuration,
    tickMs: 10,
  });
  t.teardown(() => driver.close());
  const events: DriverEvent[] = [];
  driver.on((event) => events.push(event));
  await waitFor(() => driver.status().role === "leader", "solo to lead");
  const term = driver.status().term;
  const peer = network.transport("stranger");
  await peer.start({ onMessage: () => undefined, onSnapshot: async () => undefined });
  const malformed = {
    type: "heartbeat",
    from: "stranger",
    to: "solo",
    term: toTerm(term + 5),
    commit: -1,
    context: new Uint8Array(),
  } as unknown as Message;
  const valid: Message = {
    type: "heartbeat",
    from: "stranger",
    to: "solo",
    term: toTerm(term + 5),
    commit: toLogIndex(0),
    context: new Uint8Array(),
  };
  // Sent in one turn of the event loop, so they reach the driver's inbox together, malformed first.
  peer.send(malformed);
  peer.send(valid);
  await waitFor(
    () => driver.status().term >= term + 5,
    "the valid heartbeat after the malformed one to be stepped",
    20_000,
  );
  t.ok(
    events.some((event) => event.type === "warning" && (event.error as { code?: string }).code === "invalid_request"),
    "the malformed message was reported as a warning",
  );
  t.notOk(
    events.some((event) => event.type === "failed"),
    "the driver did not stop",
  );
  await waitFor(() => driver.status().role === "leader", "solo to lead again (the stranger is no member)");
  t.ok(await driver.propose([{ type: "put", key: "still", value: utf8("working") }]), "and it still commits");
});

t.test("reads pending on a leader fail with a retryable error as soon as it loses leadership", async (t) => {
  const network = new InmemNetwork();
  const root = tempDir(t, "driver-read-loss");
  const ids = ["n1", "n2", "n3"];
  const configuration = { servers: ids.map((id) => ({ id, address: `inmem:${id}`, suffrage: "voter" as const })) };
  const drivers = await Promise.all(
    ids.map((id) =>
      RaftDriver.open({
        id,
        dataDir: `${root}/${id}`,
        transport: network.transport(id),
        bootstrap: configuration,
        tickMs: 10,
        // Far beyond the test: a read that only times out at its deadline would hang it.
        requestTimeoutMs: 600_000,
      }),
    ),
  );
  t.teardown(() => Promise.all(drivers.map((driver) => driver.close())));
  await waitFor(() => drivers.some((driver) => driver.status().role === "leader"), "a leader");
  const leader = drivers.find((driver) => driver.status().role === "leader")!;
  await leader.propose([{ type: "put", key: "k", value: utf8("v") }]);
  network.isolate(leader.id);
  // The read waits for a quorum to confirm the leadership, which the isolated leader never gets;
  // check-quorum then deposes it, and the core forgets the read.
  const reads = [leader.readIndex(), leader.readIndex()];
  for (const read of reads) {
    await t.rejects(
      settling(read),
      { code: "unavailable", message: /leadership was lost/ },
      "the read fails, retryable",
    );
  }
  t.not(leader.status().role, "leader", "it lost leadership");
  network.heal();
  await waitFor(() => drivers.some((driver) => driver.status().role === "leader"), "a leader after healing");
  const current = drivers.find((driver) => driver.status().role === "leader")!;
  await t.resolves(current.readIndex(), "reads work again on the current leader");
});
