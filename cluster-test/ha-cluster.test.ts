/**
 * Issue 5's done-when, on three real `coffer server` processes with raft
 * storage: a cluster built from three config files (init, unseal, retry_join),
 * request forwarding that answers exactly as the active does, fail-over after
 * SIGKILL with no acknowledged write lost, a rejoin, a node with other keys
 * kept out, a destroyed node replaced, and node-vault on a standby.
 * One cluster serves every step (processes are slow to start); the steps run
 * in order and each leaves the cluster whole for the next.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:tls";
import nodeVault from "node-vault";
import { split } from "shamir-secret-sharing";
import t, { type Test } from "tap";
import { api, CofferCluster } from "./harness/index.js";

const cluster = await CofferCluster.create({ size: 3, performanceMultiplier: 2 });
t.teardown(() => cluster.close());
t.afterEach((t) => {
  if (t.passing()) return;
  t.comment(cluster.logs());
});

/** Every acknowledged write: path -> value. Checked after each disruption. */
const acknowledged = new Map<string, string>();

/** A write retried through 503s (an election): a client of a cluster does the same. */
async function write(index: number, path: string, value: string): Promise<void> {
  await cluster.waitFor(`write ${path}`, async () => {
    const answer = await api(cluster.node(index).url, "POST", `secret/data/${path}`, {
      token: cluster.token,
      body: { data: { value } },
    });
    if (answer.status === 200) return true;
    if (answer.status !== 503) throw new Error(`write ${path}: ${answer.status} ${answer.text}`);
    return false;
  });
  acknowledged.set(path, value);
}

async function readValue(index: number, path: string): Promise<string | undefined> {
  const answer = await api(cluster.node(index).url, "GET", `secret/data/${path}`, { token: cluster.token });
  if (answer.status !== 200) return undefined;
  return (answer.body.data as { data?: { value?: string } }).data?.value;
}

async function everyAcknowledgedWriteReadable(t: Test, index: number): Promise<void> {
  const missing: string[] = [];
  for (const [path, value] of acknowledged) if ((await readValue(index, path)) !== value) missing.push(path);
  t.same(missing, [], `all ${acknowledged.size} acknowledged writes read back through ${cluster.node(index).name}`);
}

async function voters(): Promise<string[]> {
  return (await cluster.peers())
    .filter((peer) => peer.voter)
    .map((peer) => peer.node_id)
    .sort();
}

/** Waits until the node's applied index reaches the active's commit index (it has caught up). */
async function caughtUp(index: number): Promise<void> {
  await cluster.waitFor(`${cluster.node(index).name} caught up`, async () => {
    const active = await cluster.waitForActive();
    const leader = await api(cluster.node(active).url, "GET", "sys/leader");
    const own = await api(cluster.node(index).url, "GET", "sys/leader");
    return Number(own.body.raft_applied_index) >= Number(leader.body.raft_committed_index);
  });
}

t.test("three nodes from three config files: init, unseal, retry_join, three voters", async (t) => {
  await cluster.start(0);
  const init = await cluster.initialize(0, 3, 2);
  t.equal(init.keys.length, 3);
  await cluster.unseal(0);
  t.equal(await cluster.waitForActive(), 0, "node1 is the active node");
  const config = await api(cluster.node(0).url, "POST", "sys/storage/raft/autopilot/configuration", {
    token: cluster.token,
    body: { server_stabilization_time: "2s" },
  });
  t.equal(config.status, 204, "autopilot configuration set through the API");
  const read = await api(cluster.node(0).url, "GET", "sys/storage/raft/autopilot/configuration", {
    token: cluster.token,
  });
  t.match(read.body.data, { server_stabilization_time: "2s", cleanup_dead_servers: false, max_trailing_logs: 1000 });
  const bad = await api(cluster.node(0).url, "POST", "sys/storage/raft/autopilot/configuration", {
    token: cluster.token,
    body: { cleanup_dead_servers: true },
  });
  t.equal(bad.status, 400, "cleanup_dead_servers without min_quorum >= 3 is refused, as Vault");

  await Promise.all([cluster.start(1), cluster.start(2)]);
  const joining = await api(cluster.node(1).url, "GET", "sys/seal-status");
  t.match(joining.body, { sealed: true, t: 2, n: 3 }, "a joining node shows the cluster's seal configuration");
  await Promise.all([cluster.unseal(1), cluster.unseal(2)]);
  await cluster.waitFor("three voters", async () => (await voters()).length === 3);
  const listed = await cluster.cli(1, ["operator", "raft", "list-peers"]);
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.stdout, /node1\s+127\.0\.0\.1:\d+\s+leader\s+true/);
  t.match(listed.stdout, /node2\s+127\.0\.0\.1:\d+\s+follower\s+true/);
  t.match(listed.stdout, /node3\s+127\.0\.0\.1:\d+\s+follower\s+true/);
  const state = await api(cluster.node(0).url, "GET", "sys/storage/raft/autopilot/state", { token: cluster.token });
  t.match(state.body.data, { healthy: true, failure_tolerance: 1, leader: "node1" });
  const members = await cluster.cli(2, ["operator", "members"]);
  t.equal(members.code, 0, members.stderr);
  for (const node of cluster.nodes) {
    t.match(
      members.stdout,
      new RegExp(`${node.url.replace(/[.]/g, "\\.")}\\s+https://127\\.0\\.0\\.1:\\d+\\s+(true|false)`),
      `members lists ${node.name} with its API address`,
    );
  }
  t.match(members.stdout, /\s+true\s+/, "and marks the active node");
});

t.test("sys/leader, sys/health and coffer status on the active and on a standby", async (t) => {
  const active = await api(cluster.node(0).url, "GET", "sys/leader");
  t.match(active.body, {
    ha_enabled: true,
    is_self: true,
    leader_address: cluster.node(0).url,
    leader_cluster_address: `https://127.0.0.1:${cluster.node(0).apiPort + 1}`,
  });
  t.ok(Number(active.body.raft_committed_index) > 0 && Number(active.body.raft_applied_index) > 0);
  t.not(active.body.active_time, "0001-01-01T00:00:00Z");
  await cluster.waitFor("node2 knows the leader", async () => {
    const leader = await api(cluster.node(1).url, "GET", "sys/leader");
    return leader.body.leader_address === cluster.node(0).url;
  });
  const standby = await api(cluster.node(1).url, "GET", "sys/leader");
  t.match(standby.body, { ha_enabled: true, is_self: false, active_time: "0001-01-01T00:00:00Z" });
  t.equal((await api(cluster.node(0).url, "GET", "sys/health")).status, 200);
  const standbyHealth = await api(cluster.node(1).url, "GET", "sys/health");
  t.equal(standbyHealth.status, 429, "a standby answers 429");
  t.match(standbyHealth.body, { initialized: true, sealed: false, standby: true });
  t.equal((await api(cluster.node(1).url, "GET", "sys/health?standbyok=true")).status, 200, "standbyok=true");
  t.equal((await api(cluster.node(1).url, "GET", "sys/health?standbycode=299")).status, 299);
  const status = await cluster.cli(1, ["status"]);
  t.equal(status.code, 0, status.stderr);
  t.match(status.stdout, /HA Enabled\s+true/);
  t.match(status.stdout, /HA Mode\s+standby/);
  t.match(status.stdout, new RegExp(`Active Node Address\\s+${cluster.node(0).url}`));
  t.match(status.stdout, /Raft Committed Index\s+\d+/);
  t.match(status.stdout, /Raft Applied Index\s+\d+/);
  const activeStatus = await cluster.cli(0, ["status"]);
  t.match(activeStatus.stdout, /HA Mode\s+active/);
});

/** Status, headers (without Date, a clock reading) and body, with the random request_id masked. */
function comparable(answer: { status: number; text: string; headers: Headers }): string {
  const headers = [...answer.headers.entries()].filter(([name]) => name !== "date");
  return JSON.stringify({
    status: answer.status,
    headers,
    body: answer.text.replace(/"request_id":"[^"]*"/, '"request_id":"*"'),
  });
}

t.test("a write sent to a standby is forwarded; the standby answers as the active does", async (t) => {
  const mount = await api(cluster.node(2).url, "POST", "sys/mounts/secret", {
    token: cluster.token,
    body: { type: "kv", options: { version: "2" } },
  });
  t.equal(mount.status, 204, "a mount through a standby");
  await write(1, "forwarded", "from-standby");
  for (const index of [0, 1, 2])
    t.equal(await readValue(index, "forwarded"), "from-standby", `read on node${index + 1}`);

  const read = (index: number) =>
    api(cluster.node(index).url, "GET", "secret/data/forwarded", { token: cluster.token });
  const fromActive = await read(0);
  const fromStandby = await read(1);
  t.equal(fromActive.status, 200);
  t.equal(comparable(fromStandby), comparable(fromActive), "same status, headers and body (request_id masked)");
  t.not(fromStandby.body.request_id, "", "the standby's answer carries the active's request id");

  const policy = (index: number) =>
    api(cluster.node(index).url, "PUT", "sys/policies/acl/readers", {
      token: cluster.token,
      body: { policy: 'path "secret/*" { capabilities = ["read"] }' },
    });
  const policyActive = await policy(0);
  const policyStandby = await policy(2);
  t.equal(policyActive.status, 204);
  t.equal(comparable(policyStandby), comparable(policyActive), "a 204 is byte for byte the same");
  const denied = (index: number) => api(cluster.node(index).url, "GET", "secret/data/forwarded", { token: "hvs.nope" });
  const deniedActive = await denied(0);
  const deniedStandby = await denied(1);
  t.equal(deniedActive.status, 403);
  t.equal(deniedStandby.text, deniedActive.text, "an error body is byte for byte the same");
  t.equal(comparable(deniedStandby), comparable(deniedActive));

  const redirect = await fetch(`${cluster.node(1).url}/v1/secret/data/forwarded`, {
    headers: { "X-Vault-Token": cluster.token, "X-Vault-No-Request-Forwarding": "true" },
    redirect: "manual",
  });
  t.equal(redirect.status, 307, "X-Vault-No-Request-Forwarding: a redirect to the active");
  t.equal(redirect.headers.get("location"), `${cluster.node(0).url}/v1/secret/data/forwarded`);
  const seal = await api(cluster.node(1).url, "PUT", "sys/seal", { token: cluster.token });
  t.equal(seal.status, 500, "a standby refuses sys/seal locally");
  t.match(seal.body, { errors: ["vault cannot seal when in standby mode; please restart instead"] });
});

t.test("node-vault pointed at a standby reads and writes KV v2", async (t) => {
  const vault = nodeVault({ apiVersion: "v1", endpoint: cluster.node(2).url, token: cluster.token });
  await vault.write("secret/data/node-vault", { data: { value: "through-standby" } });
  const secret = await vault.read("secret/data/node-vault");
  t.same(secret.data.data, { value: "through-standby" });
  t.equal(secret.data.metadata.version, 1);
  acknowledged.set("node-vault", "through-standby");
  const listed = await vault.list("secret/metadata/");
  t.ok(listed.data.keys.includes("node-vault"), "LIST through the standby");
});

t.test("SIGKILL the active: a new active serves writes, nothing acknowledged is lost, the node rejoins", async (t) => {
  for (let i = 0; i < 20; i++) await write(i % 3, `before-kill-${i}`, `v${i}`);
  // A writer keeps going through a standby while the active dies; only its acknowledged writes count.
  let writing = true;
  let counter = 0;
  const writer = (async () => {
    while (writing) {
      const path = `during-${counter++}`;
      const answer = await api(cluster.node(1).url, "POST", `secret/data/${path}`, {
        token: cluster.token,
        body: { data: { value: path } },
      }).catch(() => undefined);
      if (answer?.status === 200) acknowledged.set(path, path);
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const killedAt = performance.now();
  await cluster.kill(0);
  await write(1, "after-kill", "new-active");
  const recoveryMs = performance.now() - killedAt;
  writing = false;
  await writer;
  t.comment(
    `time to recover after SIGKILL of the active: ${Math.round(recoveryMs)} ms (a write acknowledged through a standby)`,
  );
  const newActive = await cluster.waitForActive();
  t.not(newActive, 0, `node${newActive + 1} took over`);
  await everyAcknowledgedWriteReadable(t, 2);

  await cluster.start(0);
  await cluster.unseal(0);
  await caughtUp(0);
  const rejoined = await api(cluster.node(0).url, "GET", "sys/health");
  t.equal(rejoined.status, 429, "the restarted node is a standby");
  await everyAcknowledgedWriteReadable(t, 0);
  await cluster.waitFor("three voters again", async () => (await voters()).length === 3);
});

t.test("a node with other unseal keys cannot join; a client without the cluster certificate is refused", async (t) => {
  const active = await cluster.waitForActive();
  const url = cluster.node(active).url;
  const challenge = await api(url, "PUT", "sys/storage/raft/bootstrap/challenge", { body: { server_id: "intruder" } });
  t.equal(challenge.status, 200, "anyone may ask for a challenge");
  const forged = await api(url, "PUT", "sys/storage/raft/bootstrap/answer", {
    body: { server_id: "intruder", answer: randomBytes(32).toString("base64"), cluster_addr: "127.0.0.1:1" },
  });
  t.equal(forged.status, 400);
  t.match(forged.body, { errors: ["invalid answer given"] }, "a wrong answer is refused");
  t.notOk(forged.body.data, "no TLS material or peers in the refusal");

  // A fourth node from its own config file, unsealed with shares of another key.
  const extra = await CofferCluster.create({ size: 1, performanceMultiplier: 2 });
  t.teardown(() => extra.close());
  const intruder = extra.node(0);
  const config = readFileSync(intruder.configFile, "utf8").replace(
    "  autopilot_reconcile_interval",
    `  retry_join {\n    leader_api_addr = "${url}"\n  }\n  autopilot_reconcile_interval`,
  );
  extra.temp.file("node1.hcl", config.replace('node_id = "node1"', 'node_id = "intruder"'));
  await extra.start(0);
  // Real shares (2 of 3) of another unseal key: what an operator of another cluster holds.
  const otherKeys = (await split(new Uint8Array(randomBytes(32)), 3, 2)).map((share) =>
    Buffer.from(share).toString("base64"),
  );
  await extra.waitFor("the intruder got a challenge", async () => {
    const status = await api(intruder.url, "GET", "sys/seal-status");
    return status.body.initialized === true;
  });
  const first = await api(intruder.url, "PUT", "sys/unseal", { body: { key: otherKeys[0] } });
  t.match(first.body, { sealed: true, progress: 1 });
  const second = await api(intruder.url, "PUT", "sys/unseal", { body: { key: otherKeys[1] } });
  t.equal(second.status, 400, "other keys do not open the cluster's root key");
  t.match(second.body, { errors: ["Unseal failed, invalid key"] });
  t.match((await api(intruder.url, "GET", "sys/seal-status")).body, { sealed: true, progress: 0 });
  t.notOk(
    (await cluster.peers()).some((peer) => peer.node_id === "intruder"),
    "the intruder is not a member",
  );
  const files = readdirSync(intruder.dataDir, { recursive: true }).map(String);
  let stored = "";
  for (const file of files) {
    try {
      stored += readFileSync(join(intruder.dataDir, file)).toString("latin1");
    } catch {
      // directories
    }
  }
  t.notMatch(stored, /core\/keyring|core\/raft\/tls|BEGIN CERTIFICATE/, "no cluster data or TLS material on its disk");
  const clusterPortAnswers = await tlsWithoutCertificate(intruder.apiPort + 1);
  t.equal(clusterPortAnswers, "no connection", "the intruder never opened a cluster port");

  const refused = await tlsWithoutCertificate(cluster.node(active).apiPort + 1);
  t.match(
    refused,
    /certificate|alert|handshake|socket hang up|ECONNRESET/i,
    "no client certificate: refused at the TLS handshake",
  );
});

/** Connects to a cluster port presenting no client certificate; returns how the attempt ended. */
function tlsWithoutCertificate(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      servername: "coffer-cluster",
      rejectUnauthorized: false,
      ALPNProtocols: ["h2"],
    });
    let settled = false;
    const done = (outcome: string) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(outcome);
    };
    socket.on("error", (error: NodeJS.ErrnoException) =>
      done(error.code === "ECONNREFUSED" ? "no connection" : error.message),
    );
    socket.on("secureConnect", () => {
      // TLS 1.3 reports the server's refusal after the client's side of the handshake: send and wait.
      socket.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
      setTimeout(() => done("accepted"), 2_000);
    });
    socket.on("data", () => done("accepted"));
    socket.on("close", () => done("closed by the server (handshake refused)"));
  });
}

t.test("a destroyed node is removed, the cluster serves on two voters, a replacement joins", async (t) => {
  const active = await cluster.waitForActive();
  const victim = [0, 1, 2].find((index) => index !== active) as number;
  const victimName = cluster.node(victim).name;
  await cluster.kill(victim);
  cluster.wipe(victim);
  const removed = await cluster.cli(active, ["operator", "raft", "remove-peer", victimName]);
  t.equal(removed.code, 0, removed.stderr);
  t.match(removed.stdout, /Peer removed successfully/);
  t.same(
    await voters(),
    ["node1", "node2", "node3"].filter((name) => name !== victimName),
    "two voters left",
  );
  const survivor = [0, 1, 2].find((index) => index !== active && index !== victim) as number;
  await write(survivor, "two-voters", "still-serving");

  await cluster.start(victim);
  await cluster.unseal(victim);
  await cluster.waitFor("three voters after the replacement", async () => (await voters()).length === 3, 90_000);
  await caughtUp(victim);
  await everyAcknowledgedWriteReadable(t, victim);
  const health = await api(cluster.node(victim).url, "GET", "sys/health");
  t.equal(health.status, 429, "the replacement is a standby");
});

t.test("SIGTERM on the active hands leadership over", async (t) => {
  const active = await cluster.waitForActive();
  const stoppedAt = performance.now();
  await cluster.stop(active);
  const next = await cluster.waitForActive();
  t.not(next, active, `node${next + 1} is active after the planned stop`);
  t.comment(
    `hand-over after SIGTERM: ${Math.round(performance.now() - stoppedAt)} ms until another node reported active`,
  );
  await write(next, "after-sigterm", "handed-over");
  await everyAcknowledgedWriteReadable(t, next);
});
