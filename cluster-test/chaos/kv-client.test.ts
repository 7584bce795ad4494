import { createServer } from "node:http";
import t from "tap";
import { classify, perform } from "./kv-client.js";
import { ActiveMonitor } from "./monitor.js";

const write = { kind: "write", value: "x" } as const;
const cas = { kind: "cas", expectedVersion: 3, value: "x" } as const;
const read = { kind: "read" } as const;

t.test("HTTP answers map to honest outcomes", async (t) => {
  t.same(classify(write, 200, '{"data":{"version":4}}').outcome, {
    status: "ok",
    result: { kind: "write", version: 4 },
  });
  t.same(classify(cas, 200, '{"data":{"version":4}}').outcome, {
    status: "ok",
    result: { kind: "cas", applied: true, version: 4 },
  });
  t.same(
    classify(cas, 400, '{"errors":["check-and-set parameter did not match the current version"]}').outcome,
    { status: "ok", result: { kind: "cas", applied: false } },
    "a cas mismatch is an observation",
  );
  t.same(classify(read, 200, '{"data":{"data":{"value":"v"},"metadata":{"version":2}}}').outcome, {
    status: "ok",
    result: { kind: "read", version: 2, value: "v" },
  });
  t.same(classify(read, 404, '{"errors":[]}').outcome, {
    status: "ok",
    result: { kind: "read", version: 0, value: null },
  });
  t.equal(classify(write, 400, '{"errors":["no data provided"]}').outcome.status, "failed", "4xx: refused");
  t.equal(classify(write, 403, '{"errors":["permission denied"]}').outcome.status, "failed");
  for (const status of [500, 502, 503]) {
    t.equal(
      classify(write, status, '{"errors":["no active Vault instance found"]}').outcome.status,
      "unknown",
      `${status}: may have applied`,
    );
  }
  t.equal(classify(write, 200, "{}").outcome.status, "unknown", "a 200 we cannot read may have applied");
  t.equal(classify(write, 200, "{}").category, "malformed 200");
});

t.test("network failures: refused is failed, a timeout or a dropped connection is unknown", async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const closedPort = (closed.address() as { port: number }).port;
  await new Promise((resolve) => closed.close(resolve));
  const target = (port: number) => ({ url: `http://127.0.0.1:${port}`, token: "t", mount: "secret", timeoutMs: 300 });
  t.same((await perform(target(closedPort), "k", write)).outcome, { status: "failed", reason: "connection refused" });

  const server = createServer((request) => {
    if (request.url?.endsWith("/hang")) return; // never answers
    request.socket.destroy(); // drops the connection after reading the request
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  t.same((await perform(target(port), "hang", write)).outcome, { status: "unknown", reason: "timeout" });
  const dropped = await perform(target(port), "drop", write);
  t.equal(dropped.outcome.status, "unknown", `a dropped connection (${dropped.category})`);
});

t.test("outages are measured from the monitor's samples", async (t) => {
  const monitor = new ActiveMonitor(
    () => [],
    () => 0,
  );
  const samples = [
    [0, [0]],
    [100, [0]],
    [200, []],
    [300, []],
    [400, [1]],
    [500, []],
    [600, [1]],
  ] as const;
  for (const [atMs, active] of samples) monitor.samples.push({ atMs, active: [...active] });
  t.equal(monitor.longestOutageStartingIn(150, 250), 200, "from 200 until node 1 answers at 400");
  t.equal(monitor.longestOutageStartingIn(0, 150), 0, "nothing began then");
  t.equal(monitor.longestOutageStartingIn(0, 1000), 200, "the longer of two outages");
  t.equal(monitor.latestActive(), 1);
});
