/**
 * Autopilot's decisions against a scripted cluster status and a manual clock
 * (its configuration in a real barrier): promotion only after a non-voter has
 * been caught up and in contact for server_stabilization_time, dead-server
 * cleanup only when enabled and never below min_quorum, and Vault's state shape.
 */
import t from "tap";
import { AesGcmBarrier } from "../../barrier/index.js";
import { ManualClock } from "../../lib/index.js";
import { InmemBackend } from "../../physical/index.js";
import { ShamirSeal } from "../../seal/index.js";
import { MemoryLogger } from "../testing.js";
import { Autopilot, loadAutopilotConfig, storeAutopilotConfig } from "./autopilot.js";
import type { ClusterControl, ClusterServer, ClusterStatus } from "./cluster-control.js";

interface Scripted {
  servers: ClusterServer[];
  match: Map<string, number>;
  contact: Map<string, number>;
  changes: string[];
}

function scriptedCluster(script: Scripted): ClusterControl {
  const refuse = () => Promise.reject(new Error("not used"));
  const status = (): ClusterStatus => ({
    nodeId: "n1",
    role: "leader",
    leaderId: "n1",
    term: 3,
    commitIndex: 100,
    appliedIndex: 100,
    lastIndex: 100,
    servers: script.servers,
    followers: [...script.match].map(([id, matchIndex]) => ({ id, matchIndex })),
    lastContactMs: script.contact,
  });
  return {
    nodeId: "n1",
    clusterAddress: "a:1",
    hasState: () => true,
    running: () => true,
    newTlsKeyring: () => ({}),
    start: refuse,
    stop: refuse,
    status,
    appliedIndex: () => 100,
    onLeadership: () => () => undefined,
    readBarrier: () => Promise.resolve(),
    setLinearizableReads: () => undefined,
    addNonVoter: refuse,
    addVoter: async (id) => {
      script.changes.push(`promote ${id}`);
      script.servers = script.servers.map((server) => (server.id === id ? { ...server, suffrage: "voter" } : server));
      return { index: 101 };
    },
    removeServer: async (id) => {
      script.changes.push(`remove ${id}`);
      script.servers = script.servers.filter((server) => server.id !== id);
      return { index: 102 };
    },
    transferLeadership: refuse,
  };
}

async function setup(servers: ClusterServer[]) {
  const barrier = new AesGcmBarrier({ backend: new InmemBackend() });
  await new ShamirSeal({ barrier }).initialize({ secretShares: 1, secretThreshold: 1 });
  const clock = new ManualClock(10_000_000);
  const script: Scripted = { servers, match: new Map(), contact: new Map(), changes: [] };
  const autopilot = new Autopilot({
    cluster: scriptedCluster(script),
    barrier,
    clock,
    logger: new MemoryLogger(),
    reconcileIntervalMs: 1000,
    version: "test",
  });
  return { barrier, clock, script, autopilot };
}

const voter = (id: string): ClusterServer => ({ id, address: `${id}:1`, suffrage: "voter" });
const nonVoter = (id: string): ClusterServer => ({ id, address: `${id}:1`, suffrage: "nonVoter" });

t.test("a non-voter is promoted once caught up and stable for server_stabilization_time", async (t) => {
  const { barrier, clock, script, autopilot } = await setup([voter("n1"), nonVoter("n2")]);
  await storeAutopilotConfig(barrier, { serverStabilizationTimeSeconds: 5 });
  script.contact.set("n2", clock.nowMs());
  script.match.set("n2", 0);
  await autopilot.reconcile();
  clock.advanceMs(6_000);
  script.contact.set("n2", clock.nowMs());
  await autopilot.reconcile();
  t.same(script.changes, [], "answering but without a single acknowledged entry: not healthy");
  script.match.set("n2", 99);
  await autopilot.reconcile();
  clock.advanceMs(4_000);
  script.contact.set("n2", clock.nowMs());
  await autopilot.reconcile();
  t.same(script.changes, [], "healthy for 4 s of 5: not yet");
  clock.advanceMs(1_500);
  script.contact.set("n2", clock.nowMs());
  await autopilot.reconcile();
  t.same(script.changes, ["promote n2"]);
  t.match(autopilot.state(), { healthy: true, failure_tolerance: 0, leader: "n1", voters: ["n1", "n2"] });
});

t.test("dead servers are removed only when enabled, and never below min_quorum", async (t) => {
  const { barrier, clock, script, autopilot } = await setup([voter("n1"), voter("n2"), voter("n3"), voter("n4")]);
  for (const id of ["n2", "n3", "n4"]) {
    script.match.set(id, 100);
    script.contact.set(id, clock.nowMs());
  }
  clock.advanceMs(2 * 3600_000);
  script.contact.set("n2", clock.nowMs());
  script.contact.set("n3", clock.nowMs());
  await autopilot.reconcile();
  t.same(script.changes, [], "cleanup is off by default");
  await t.rejects(storeAutopilotConfig(barrier, { cleanupDeadServers: true }), {
    message: "min_quorum must be set when cleanup_dead_servers is set and it should at least be 3",
  });
  await storeAutopilotConfig(barrier, {
    cleanupDeadServers: true,
    minQuorum: 3,
    deadServerLastContactThresholdSeconds: 3600,
  });
  t.match(await loadAutopilotConfig(barrier), {
    cleanupDeadServers: true,
    minQuorum: 3,
    serverStabilizationTimeSeconds: 10,
  });
  t.match(autopilot.state(), { failure_tolerance: 0, healthy: false }, "one voter of four is not healthy");
  await autopilot.reconcile();
  t.same(script.changes, ["remove n4"], "n4, silent for two hours, is removed: three voters remain");
  clock.advanceMs(2 * 3600_000);
  script.contact.set("n2", clock.nowMs());
  await autopilot.reconcile();
  t.same(script.changes, ["remove n4"], "n3 is dead too, but min_quorum 3 keeps it");
});
