/**
 * The join handshake over a real barrier and Shamir seal (in-memory physical
 * storage): the right shares open the challenge and the answer is accepted
 * once; other shares never open it; a wrong, replayed or expired answer is
 * refused and nothing is added to the cluster. The cluster is a recording
 * stand-in: membership is the only thing the handshake asks of it.
 */
import { randomBytes } from "node:crypto";
import { split } from "shamir-secret-sharing";
import t from "tap";
import { AesGcmBarrier } from "../../barrier/index.js";
import { ManualClock } from "../../lib/index.js";
import { getJson, putJson } from "../../logical/index.js";
import { InmemBackend } from "../../physical/index.js";
import { ShamirSeal } from "../../seal/index.js";
import type { ClusterControl, ClusterServer } from "./cluster-control.js";
import { clusterTlsStorageKey, JoinChallenges, openChallenge, parseChallenge } from "./join.js";
import { JoinAttempt } from "./joiner.js";

function recordingCluster(servers: ClusterServer[]): ClusterControl & { added: string[] } {
  const added: string[] = [];
  const refuse = () => Promise.reject(new Error("not used"));
  return {
    added,
    nodeId: "n1",
    clusterAddress: "127.0.0.1:8201",
    hasState: () => true,
    running: () => true,
    newTlsKeyring: () => ({}),
    start: refuse,
    stop: refuse,
    status: () => ({
      nodeId: "n1",
      role: "leader",
      leaderId: "n1",
      term: 2,
      commitIndex: 10,
      appliedIndex: 10,
      lastIndex: 10,
      servers,
      followers: [],
      lastContactMs: new Map(),
    }),
    appliedIndex: () => 10,
    onLeadership: () => () => undefined,
    readBarrier: () => Promise.resolve(),
    setLinearizableReads: () => undefined,
    addNonVoter: async (id, address) => {
      added.push(id);
      servers.push({ id, address, suffrage: "nonVoter" });
      return { index: 11 };
    },
    addVoter: refuse,
    removeServer: refuse,
    transferLeadership: refuse,
  };
}

async function initializedCluster() {
  const barrier = new AesGcmBarrier({ backend: new InmemBackend() });
  const seal = new ShamirSeal({ barrier });
  const shares = await seal.initialize({ secretShares: 3, secretThreshold: 2 });
  await putJson(barrier, clusterTlsStorageKey, { keys: [], active_key_id: "k", term: 1, applied_index: 0 });
  const clock = new ManualClock(1_000_000);
  const cluster = recordingCluster([{ id: "n1", address: "127.0.0.1:8201", suffrage: "voter" }]);
  return { barrier, shares, clock, cluster, challenges: new JoinChallenges({ barrier, cluster, clock }) };
}

/** A LeaderApiClient that calls the active's JoinChallenges directly (the HTTP hop is tested in cluster-test). */
function directClient(challenges: JoinChallenges) {
  return {
    leaderApiAddr: "http://leader",
    challenge: (serverId: string) => challenges.challenge(serverId),
    answer: (body: Record<string, unknown>) =>
      challenges.answer({
        serverId: String(body.server_id),
        answerBase64: String(body.answer),
        clusterAddr: String(body.cluster_addr),
        apiAddr: String(body.api_addr ?? ""),
      }),
  };
}

t.test(
  "the cluster's shares open the challenge; the answer adds a non-voter and hands out the keyring once",
  async (t) => {
    const { barrier, shares, cluster, challenges } = await initializedCluster();
    const attempt = await JoinAttempt.begin(directClient(challenges), "n2", "shamir");
    t.equal(attempt.challenge.secretThreshold, 2);
    t.equal(attempt.challenge.secretShares, 3);
    t.equal(await attempt.submit(shares.keysBase64[0] as string), undefined, "below the threshold");
    t.equal(attempt.collector.progress, 1);
    const rootKey = await attempt.submit(shares.keysBase64[2] as string);
    t.ok(rootKey && rootKey.byteLength === 32, "the root key is recovered");
    const data = await attempt.answer(rootKey as Uint8Array, "n2", {
      clusterAddr: "127.0.0.1:9201",
      apiAddr: "http://127.0.0.1:9200",
    });
    t.same(cluster.added, ["n2"], "added as a non-voter");
    t.same(
      await getJson(barrier, "core/leader/n2"),
      { api_addr: "http://127.0.0.1:9200", cluster_addr: "127.0.0.1:9201" },
      "the joiner's addresses are recorded for sys/ha-status",
    );
    t.match(data, {
      peers: [
        { id: "n1", suffrage: "voter" },
        { id: "n2", address: "127.0.0.1:9201", suffrage: "non-voter" },
      ],
      tls_keyring: { active_key_id: "k", applied_index: 11 },
    });
    const replay = openChallenge(attempt.challenge, rootKey as Uint8Array, "n2").toString("base64");
    await t.rejects(
      challenges.answer({ serverId: "n2", answerBase64: replay, clusterAddr: "127.0.0.1:9201" }),
      { message: "no expected answer for the server id provided" },
      "an answer is accepted once",
    );
  },
);

t.test("shares of another key never open the challenge, and nothing is handed out", async (t) => {
  const { cluster, challenges } = await initializedCluster();
  const attempt = await JoinAttempt.begin(directClient(challenges), "n3", "shamir");
  const others = (await split(new Uint8Array(randomBytes(32)), 3, 2)).map((share) =>
    Buffer.from(share).toString("base64"),
  );
  await attempt.submit(others[0] as string);
  await t.rejects(attempt.submit(others[1] as string), { message: "Unseal failed, invalid key" });
  t.equal(attempt.collector.progress, 0, "progress starts over");
  t.same(cluster.added, [], "nobody was added");
});

t.test("a wrong, misaddressed or expired answer is refused", async (t) => {
  const { barrier, clock, cluster, challenges } = await initializedCluster();
  await challenges.challenge("n4");
  await t.rejects(
    challenges.answer({ serverId: "n4", answerBase64: randomBytes(32).toString("base64"), clusterAddr: "h:1" }),
    { message: "invalid answer given", code: "invalid_request" },
  );
  // A challenge is bound to its server id: n5's answer does not open with another id.
  const parsed = parseChallenge(await challenges.challenge("n5"));
  t.throws(
    () => openChallenge(parsed, new Uint8Array(32), "n5"),
    { message: /does not open/ },
    "not without the root key",
  );
  await t.rejects(challenges.answer({ serverId: "nobody", answerBase64: "AA==", clusterAddr: "h:1" }), {
    message: "no expected answer for the server id provided",
  });
  await challenges.challenge("n6");
  clock.advanceMs(31 * 60_000);
  await t.rejects(
    challenges.answer({ serverId: "n6", answerBase64: "AA==", clusterAddr: "h:1" }),
    {
      message: "no expected answer for the server id provided",
    },
    "challenges expire",
  );
  await t.rejects(challenges.challenge("bad id!"), { code: "invalid_request" });
  t.same(cluster.added, []);
  t.notOk(barrier.sealed());
});
