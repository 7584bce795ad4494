/**
 * `storage "raft"` as the server runs it, over the real driver, gRPC with the
 * cluster's mutual TLS, and LevelDB on disk: the physical conformance suite,
 * then the lifecycle (local reads while stopped, writes refused, start again
 * from disk), and the cluster TLS keyring (a peer without the certificate is
 * refused at the handshake).
 */

import { join } from "node:path";
import { connect } from "node:tls";
import t from "tap";
import { currentRequestScope, runInRequestScope } from "../lib/index.js";
import { runBackendConformance } from "../physical/conformance.js";
import { RaftStorage } from "./raft-storage.js";
import { tempDir } from "./test-helpers.js";
import { activeTlsPem, generateClusterTlsKeyring } from "./tls/cluster-tls.js";

const tls = activeTlsPem(generateClusterTlsKeyring());

function options(dataDir: string) {
  return {
    dataDir,
    nodeId: "n1",
    clusterListenAddress: "127.0.0.1:0",
    clusterAdvertiseAddress: "127.0.0.1:1",
    tickMs: 20,
    raft: { electionTicks: 4, heartbeatTicks: 1 },
    snapshotThreshold: 64,
    trailingLogs: 16,
  };
}

async function untilLeader(storage: RaftStorage): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (storage.status()?.role !== "leader") {
    if (Date.now() > deadline) throw new Error("no leader");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function openRunning(dataDir: string, bootstrap: boolean): Promise<RaftStorage> {
  const storage = await RaftStorage.open(options(dataDir));
  await storage.start({ tls, extraServices: [] }, { bootstrap });
  await untilLeader(storage);
  storage.setLinearizableReads(true);
  return storage;
}

t.test("physical conformance of the raft storage over a real driver", async (t) => {
  const root = tempDir(t, "raft-storage");
  let generation = 0;
  let current = "";
  await runBackendConformance(t, {
    open: async () => {
      current = join(root, `node-${generation++}`);
      return openRunning(current, true);
    },
    reopen: async () => openRunning(current, false),
  });
});

t.test("sealed (stopped): local reads, refused writes; started again from disk", async (t) => {
  const dir = tempDir(t, "raft-storage-life");
  const storage = await openRunning(dir, true);
  t.ok(storage.hasState(), "a bootstrapped node has raft state");
  await storage.put("core/seal-config", new TextEncoder().encode("{}"));
  const status = storage.status();
  t.equal(status?.configuration.servers.length, 1);
  t.equal(status?.commitIndex, status?.appliedIndex);
  await storage.stop();
  t.notOk(storage.running);
  t.same(await storage.get("core/seal-config"), new TextEncoder().encode("{}"), "read from the local FSM");
  await t.rejects(storage.put("x", new Uint8Array([1])), { code: "unavailable" }, "no writes without raft");
  await storage.start({ tls, extraServices: [] }, { bootstrap: false });
  await untilLeader(storage);
  await storage.put("x", new Uint8Array([1]));
  t.same(await storage.get("x"), new Uint8Array([1]));
  await storage.close();
  const fresh = await RaftStorage.open(options(tempDir(t, "raft-storage-empty")));
  t.notOk(fresh.hasState(), "an empty node has no raft state (it may join)");
  await fresh.close();
});

t.test("the cluster port refuses a client without the cluster certificate", async (t) => {
  const dir = tempDir(t, "raft-storage-tls");
  const storage = await RaftStorage.open({ ...options(dir), clusterListenAddress: "127.0.0.1:0" });
  t.teardown(() => storage.close());
  await storage.start({ tls, extraServices: [] }, { bootstrap: true });
  await untilLeader(storage);
  const port = Number(storage.clusterAddress().split(":").pop());
  const outcome = await new Promise<string>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, servername: "coffer-cluster", ca: tls.certificatePem });
    socket.on("secureConnect", () => socket.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
    socket.on("data", () => resolve("accepted"));
    socket.on("error", (error) => resolve(`refused: ${error.message}`));
    socket.on("close", () => resolve("refused: closed"));
  });
  t.match(outcome, /^refused/, outcome);
});

t.test(
  "inside a request scope, one leadership confirmation serves every read, and writes are fenced on its term",
  async (t) => {
    const storage = await openRunning(join(tempDir(t, "raft-storage-scope"), "node"), true);
    t.teardown(() => storage.close());
    await storage.put("a", new Uint8Array([1]));
    let rounds = 0;
    const realBarrier = storage.readBarrier.bind(storage);
    storage.readBarrier = () => {
      rounds += 1;
      return realBarrier();
    };

    await storage.get("a");
    await storage.get("a");
    t.equal(rounds, 2, "outside a request every read confirms leadership");

    rounds = 0;
    await runInRequestScope(async () => {
      await storage.get("a");
      await storage.list("");
      await storage.get("missing");
      await storage.put("b", new Uint8Array([2]));
    });
    t.equal(rounds, 1, "a request's reads share one confirmation");
    t.same(await storage.get("b"), new Uint8Array([2]), "a write after confirmed reads lands in the same term");

    rounds = 0;
    await t.rejects(
      runInRequestScope(async () => {
        const scope = currentRequestScope();
        if (!scope) throw new Error("no scope");
        // As if the reads had been confirmed in another leadership term.
        scope.leadershipConfirmation = Promise.resolve((storage.status()?.term ?? 0) - 1);
        await storage.put("c", new Uint8Array([3]));
      }),
      { code: "unavailable" },
      "a write fenced on another term is refused, retryably",
    );
    t.equal(await storage.get("c"), undefined, "and nothing was written");
  },
);
