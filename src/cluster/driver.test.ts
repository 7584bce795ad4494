import { join } from "node:path";
import t from "tap";
import { runBackendConformance } from "../physical/conformance.js";
import type { TransactionOp } from "../physical/index.js";
import { utf8 } from "./bytes.js";
import { fsmDigest, retrying, TestCluster, waitFor } from "./cluster-harness.js";
import type { RaftDriver } from "./driver.js";
import { RaftDriver as Driver } from "./driver.js";
import type { DriverEvent } from "./driver-types.js";
import { Fsm } from "./fsm.js";
import { LogStore } from "./log-store.js";
import { NodeDatabase } from "./node-db.js";
import { RaftBackend } from "./raft-backend.js";
import { StableStore } from "./stable-store.js";
import { runAndKill, tempDir } from "./test-helpers.js";
import { InmemNetwork } from "./transport/inmem.js";

const fast = { tickMs: 20, requestTimeoutMs: 20_000 } as const;
const put = (key: string, value: string): TransactionOp => ({ type: "put", key, value: utf8(value) });
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

/** Runs `total` proposals from `concurrency` concurrent proposers against whoever leads; returns the keys acknowledged. */
async function proposeMany(
  cluster: TestCluster,
  total: number,
  concurrency: number,
  prefix: string,
): Promise<string[]> {
  const acknowledged: string[] = [];
  let next = 0;
  async function proposer(): Promise<void> {
    while (next < total) {
      const key = `${prefix}/${String(next++).padStart(6, "0")}`;
      for (;;) {
        const leader = await cluster.waitForLeader();
        try {
          await leader.propose([put(key, `value of ${key}`)]);
          acknowledged.push(key);
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== "unavailable") throw error;
        }
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, proposer));
  return acknowledged;
}

t.test("one server: bootstraps, leads, and backs the physical conformance suite", async (t) => {
  const root = tempDir(t, "driver-single");
  let generation = 0;
  let cluster: TestCluster | undefined;
  const openBackend = async (fresh: boolean): Promise<RaftBackend> => {
    if (fresh) cluster = await TestCluster.start(`${root}/${generation++}`, 1, fast);
    else if (cluster) await cluster.restart("n1");
    const current = cluster as TestCluster;
    const driver = await current.waitForLeader();
    return new RaftBackend({ proposer: driver, fsm: driver.fsm, onClose: () => current.stop("n1") });
  };
  await runBackendConformance(t, { open: () => openBackend(true), reopen: () => openBackend(false) });
});

t.test("three servers over gRPC: replication, failover, restart, snapshot catch-up", async (t) => {
  const root = tempDir(t, "driver-three");
  const cluster = await TestCluster.start(root, 3, { ...fast, snapshotThreshold: 2_000, trailingLogs: 500 });
  t.teardown(() => cluster.close());
  const events: DriverEvent[] = [];
  for (const driver of cluster.running()) driver.on((event) => events.push(event));

  const first = await cluster.waitForLeader();
  t.ok(
    events.some((event) => event.type === "leadership" && event.role === "leader"),
    "a leadership event was emitted",
  );
  const acknowledged = await proposeMany(cluster, 10_000, 64, "a");
  t.equal(acknowledged.length, 10_000, "10,000 proposals acknowledged");
  const lastIndex = first.status().commitIndex;
  await cluster.waitForApplied(lastIndex);
  const digests = await Promise.all(cluster.running().map(fsmDigest));
  t.equal(new Set(digests.map((digest) => digest.digest)).size, 1, "every server holds the same state");
  t.equal(digests[0]?.records, 10_000);
  const status = first.status();
  t.ok(
    status.entriesPersisted / status.syncedWrites > 1,
    `group commit batched ${(status.entriesPersisted / status.syncedWrites).toFixed(1)} entries per fsync`,
  );
  t.ok(
    events.some((event) => event.type === "snapshot" && !event.installed),
    "servers snapshotted and compacted",
  );
  t.ok(first.status().firstIndex > 1, `the leader's log was compacted (starts at ${first.status().firstIndex})`);

  // Stop the leader: another takes over; nothing acknowledged is lost.
  const oldLeader = first.id;
  await cluster.stop(oldLeader);
  const second = await cluster.waitForLeader();
  t.not(second.id, oldLeader, `a new leader was elected (${second.id})`);
  const more = await proposeMany(cluster, 500, 16, "b");
  for (const driver of cluster.running()) {
    await driver.readIndex();
    const missing = [];
    for (const key of [...acknowledged, ...more]) if ((await driver.fsm.get(key)) === undefined) missing.push(key);
    t.same(missing, [], `${driver.id} has every acknowledged write`);
  }

  // Restart the old leader from its directory: it comes back to the same applied state.
  await cluster.restart(oldLeader);
  await cluster.waitForApplied(second.status().commitIndex);
  const afterRestart = await Promise.all(cluster.running().map(fsmDigest));
  t.equal(
    new Set(afterRestart.map((digest) => digest.digest)).size,
    1,
    "the restarted server caught up to the same state",
  );

  // A follower far behind catches up through InstallSnapshot.
  const laggard = cluster.running().find((driver) => driver.status().role !== "leader")?.id ?? "";
  await cluster.stop(laggard);
  await proposeMany(cluster, 3_000, 32, "c");
  const leader = await cluster.waitForLeader();
  t.ok(leader.status().firstIndex > 0, "the leader compacted past what the laggard has");
  const seen = cluster.events.length;
  await cluster.restart(laggard);
  await cluster.waitForApplied(leader.status().commitIndex);
  t.ok(
    cluster.events.slice(seen).some(({ id, event }) => id === laggard && event.type === "snapshot" && event.installed),
    "the laggard installed the leader's snapshot",
  );
  const final = await Promise.all(cluster.running().map(fsmDigest));
  t.equal(new Set(final.map((digest) => digest.digest)).size, 1, "and holds the same state");
  t.equal(final[0]?.records, 13_500);
});

t.test("membership: add a non-voter, promote it, transfer leadership, remove a server", async (t) => {
  const root = tempDir(t, "driver-membership");
  const cluster = await TestCluster.start(root, 3, fast);
  t.teardown(() => cluster.close());
  const leader = await cluster.waitForLeader();
  await proposeMany(cluster, 200, 8, "m");

  const joiner = await cluster.addEmpty(root, "n4");
  await leader.addNonVoter("n4", joiner.address);
  await cluster.waitForApplied(leader.status().commitIndex);
  t.equal(text(await joiner.driver.fsm.get("m/000007")), "value of m/000007", "the non-voter replicated the data");
  t.match(
    leader.status().configuration.servers.find((server) => server.id === "n4"),
    { suffrage: "nonvoter" },
  );
  await leader.addVoter("n4", joiner.address);
  t.match(
    leader.status().configuration.servers.find((server) => server.id === "n4"),
    { suffrage: "voter" },
  );
  t.ok(
    cluster.events.some(
      ({ id, event }) => id === leader.id && event.type === "configuration" && event.configuration.servers.length === 4,
    ),
    "a configuration event announced the fourth server",
  );

  await leader.transferLeadership("n4");
  await waitFor(() => joiner.driver.status().role === "leader", "n4 to lead");
  t.equal(joiner.driver.status().role, "leader", "leadership moved to n4");
  await retrying(() => joiner.driver.removeServer(leader.id));
  t.notOk(
    joiner.driver.status().configuration.servers.some((server) => server.id === leader.id),
    "the old leader was removed",
  );
  await retrying(() => joiner.driver.propose([put("after", "removal")]));
  await t.rejects(joiner.driver.removeServer("nobody"), { code: "not_found" });
  const follower = cluster
    .running()
    .find((driver: RaftDriver) => driver.status().role === "follower" && driver.id !== leader.id);
  await t.rejects(follower?.propose([put("x", "y")]) ?? Promise.reject(new Error("no follower")), {
    code: "unavailable",
  });
  await t.rejects(follower?.transferLeadership() ?? Promise.reject(new Error("no follower")), {
    code: "unavailable",
    message: /notLeader/,
  });
  await t.rejects(joiner.driver.propose([put("", "empty key")]), { code: "invalid_request" }, "bad input rejects");
  await follower?.readIndex();
  t.equal(text(await follower?.fsm.get("after")), "removal", "a follower serves a linearizable read after readIndex");
});

t.test("kill -9 under load: every acknowledged proposal survives", async (t) => {
  const dataDir = tempDir(t, "driver-kill");
  const moduleUrl = (name: string) => JSON.stringify(new URL(`./${name}`, import.meta.url).href);
  // A one-server cluster in a child process: 16 proposers write and print each
  // acknowledged key; after 1,500 acknowledgements it prints "ready" and keeps
  // writing until the SIGKILL lands, mid-flight.
  const output = await runAndKill(`
    const { RaftDriver } = await import(${moduleUrl("driver.js")});
    const { InmemNetwork } = await import(${moduleUrl("transport/inmem.js")});
    const configuration = { servers: [{ id: "solo", address: "inmem:solo", suffrage: "voter" }] };
    const driver = await RaftDriver.open({ id: "solo", dataDir: ${JSON.stringify(dataDir)}, transport: new InmemNetwork().transport("solo"), bootstrap: configuration, tickMs: 10 });
    while (driver.status().role !== "leader") await new Promise((resolve) => setTimeout(resolve, 5));
    let next = 0, acknowledged = 0;
    async function proposer() {
      for (;;) {
        const key = "k/" + next++;
        await driver.propose([{ type: "put", key, value: new TextEncoder().encode(key) }, { type: "delete", key: "k/" + (next - 2) + "/gone" }]);
        process.stdout.write("ack " + key + "\\n");
        if (++acknowledged === 1500) process.stdout.write("ready\\n");
      }
    }
    for (let i = 0; i < 16; i++) proposer();
  `);
  const acknowledged = output
    .split("\n")
    .filter((line) => line.startsWith("ack "))
    .map((line) => line.slice(4));
  t.ok(acknowledged.length >= 1500, `${acknowledged.length} proposals were acknowledged before the kill`);
  const driver = await Driver.open({
    id: "solo",
    dataDir,
    transport: new InmemNetwork().transport("solo"),
    tickMs: 10,
  });
  t.teardown(() => driver.close());
  await waitFor(() => driver.status().role === "leader", "the restarted server to lead");
  await driver.readIndex();
  const missing = [];
  for (const key of acknowledged) if (text(await driver.fsm.get(key)) !== key) missing.push(key);
  t.same(missing, [], "every acknowledged write is there after kill -9");
  const status = driver.status();
  t.ok(status.appliedIndex >= acknowledged.length, `applied index ${status.appliedIndex} covers them`);
  const listed = await driver.fsm.list("k/");
  t.equal(listed.length, new Set(listed).size, "no key listed twice");
  t.ok(
    listed.length >= acknowledged.length,
    `${listed.length} keys stored (some were written but not yet acknowledged)`,
  );
});

t.test("kill -9 between acknowledging a write and writing it to the FSM: it is there after restart", async (t) => {
  const dataDir = tempDir(t, "driver-kill-overlay");
  const moduleUrl = (name: string) => JSON.stringify(new URL(`./${name}`, import.meta.url).href);
  // One server in a child process that never flushes its FSM on its own (fsmFlushDelayMs: one hour):
  // one proposer writes 200 keys in turn, then the process reports "ready" idle, with the last
  // acknowledged write applied only in memory, and is killed.
  const output = await runAndKill(`
    const { RaftDriver } = await import(${moduleUrl("driver.js")});
    const { InmemNetwork } = await import(${moduleUrl("transport/inmem.js")});
    const configuration = { servers: [{ id: "solo", address: "inmem:solo", suffrage: "voter" }] };
    const driver = await RaftDriver.open({ id: "solo", dataDir: ${JSON.stringify(dataDir)}, transport: new InmemNetwork().transport("solo"), bootstrap: configuration, tickMs: 10, fsmFlushDelayMs: 3600000 });
    while (driver.status().role !== "leader") await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 200; i++) {
      const key = "o/" + i;
      const { index } = await driver.propose([{ type: "put", key, value: new TextEncoder().encode(key) }, { type: "delete", key: "o/" + (i - 1) + "/gone" }]);
      process.stdout.write("ack " + key + " " + index + "\\n");
    }
    process.stdout.write("ready\\n");
  `);
  const acknowledged = output
    .split("\n")
    .filter((line) => line.startsWith("ack "))
    .map((line) => line.split(" "));
  t.equal(acknowledged.length, 200, "every write was acknowledged before the kill");
  const [, lastKey = "", lastIndex = "0"] = acknowledged[acknowledged.length - 1] ?? [];

  // What the killed process left in LevelDB, before anything replays the log.
  const db = await NodeDatabase.open(join(dataDir, "node.db"));
  const written = await Fsm.open(db);
  const writtenApplied = written.writtenApplied().index;
  const lastWritten = await written.get(lastKey);
  const storedCommit = (await StableStore.open(db)).hardState().commit;
  const log = await LogStore.open(db);
  const lastLogged = log.lastIndex();
  await db.close();
  t.ok(
    writtenApplied < Number(lastIndex),
    `the FSM on disk stops at ${writtenApplied}, before the last acknowledged entry ${lastIndex}`,
  );
  t.equal(lastWritten, undefined, `${lastKey} is not in the FSM on disk`);
  t.ok(lastLogged >= Number(lastIndex), `the log holds every acknowledged entry (to ${lastLogged})`);
  t.ok(
    storedCommit >= writtenApplied,
    `the FSM's effects were written with a commit index covering them (${storedCommit} >= ${writtenApplied})`,
  );
  t.ok(
    storedCommit < Number(lastIndex),
    `the last commit index (${lastIndex}) was not written on its own (stored: ${storedCommit})`,
  );

  const driver = await Driver.open({
    id: "solo",
    dataDir,
    transport: new InmemNetwork().transport("solo"),
    tickMs: 10,
  });
  t.teardown(() => driver.close());
  await waitFor(() => driver.status().role === "leader", "the restarted server to lead");
  await driver.readIndex();
  const missing = [];
  for (const [, key = ""] of acknowledged) if (text(await driver.fsm.get(key)) !== key) missing.push(key);
  t.same(missing, [], "every acknowledged write is there after restart, the last one included");
  // Replayed on open up to the stored commit index, the rest applied by the core and written with the next synced batch.
  await waitFor(() => driver.fsm.writtenApplied().index >= Number(lastIndex), "the FSM on disk to catch up");
  t.pass("and it is written to the FSM again");
});
