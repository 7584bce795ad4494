import { createConnection } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { LinkProxyNetwork } from "./link-proxy.js";
import { isolationLinks } from "./links.js";
import { Peer, received, reply } from "./testing.js";

/** Long enough for a line to cross loopback many times over; only used to show that something did NOT arrive. */
const quietMs = 300;

t.test("a per-node proxy cuts, one-way cuts, delays and heals links between real processes", async (t) => {
  const peers = await Promise.all(["a", "b", "c"].map((name) => Peer.start(name)));
  t.teardown(() => {
    for (const peer of peers) peer.stop();
  });
  const [a, b, c] = peers as [Peer, Peer, Peer];
  const network = await LinkProxyNetwork.start(
    peers.map((peer) => ({ name: peer.name, upstreamPort: peer.port })),
    { nodeOfPid: () => new Map(peers.map((peer) => [peer.pid, peer.name])) },
  );
  t.teardown(() => network.close());
  const dial = (from: Peer, id: string, to: string) => from.connect(id, "127.0.0.1", network.address(to).port);

  dial(a, "ab", "b");
  a.send("ab", "1");
  await a.waitFor("B's answer", reply("ab", "b:1"));
  t.same(network.connections(), [{ caller: "a", target: "b" }], "the proxy knows who is calling");

  await t.test("a full cut stalls both directions; the heal delivers what waited", async (t) => {
    await network.cut("a", "b");
    await network.cut("b", "a");
    a.send("ab", "2");
    await sleep(quietMs);
    t.notOk(b.has(received("2")), "b got nothing while cut");
    await network.healAll();
    await a.waitFor("the stalled line, answered after the heal", reply("ab", "b:2"));
    t.pass("delivered in order after the heal");
  });

  await t.test("a one-way cut a->b: a's bytes stop, b's still flow", async (t) => {
    dial(b, "ba", "a");
    b.send("ba", "hello");
    await b.waitFor("a's answer", reply("ba", "a:hello"));
    await network.cut("a", "b");
    a.send("ab", "3");
    b.send("ba", "4");
    await a.waitFor("b's line on b's connection", received("4"));
    await sleep(quietMs);
    t.notOk(b.has(received("3")), "a's line on a's own connection to b is held");
    t.notOk(b.has(reply("ba", "a:4")), "a's answer on b's connection is held");
    await network.heal("a", "b");
    await b.waitFor("a's line after the heal", received("3"));
    await b.waitFor("a's answer after the heal", reply("ba", "a:4"));
    t.pass("both released by the heal");
  });

  await t.test("a new connection into a cut link connects but carries nothing until healed", async (t) => {
    for (const link of isolationLinks("c", ["a", "b", "c"])) await network.cut(link.from, link.to);
    t.equal(network.cutLinks().length, 4);
    dial(a, "ac", "c");
    await a.waitFor("the proxy's accept", (event) => event.event === "connected" && event.id === "ac");
    a.send("ac", "5");
    await sleep(quietMs);
    t.notOk(c.has(received("5")));
    await network.healAll();
    await a.waitFor("c's answer after the heal", reply("ac", "c:5"));
    t.equal(network.cutLinks().length, 0);
  });

  await t.test("a caller that is not a node is never filtered", async (t) => {
    await network.cut("a", "b");
    await network.cut("b", "a");
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = createConnection(network.address("b"));
      socket.on("error", reject);
      socket.once("data", (data: Buffer) => {
        resolve(data.toString());
        socket.destroy();
      });
      socket.write("outsider\n");
    });
    t.equal(answer, "b:outsider\n");
    await network.healAll();
  });

  await t.test("a delayed link still delivers, in order", async (t) => {
    network.setDelay("a", "b", 150);
    const startedMs = performance.now();
    a.send("ab", "6");
    a.send("ab", "7");
    await a.waitFor("the second delayed line", reply("ab", "b:7"));
    const sixth = a.events.findIndex(reply("ab", "b:6"));
    const seventh = a.events.findIndex(reply("ab", "b:7"));
    t.ok(sixth !== -1 && sixth < seventh, "in order");
    t.comment(`round trip with 150 ms delay one way: ${(performance.now() - startedMs).toFixed(0)} ms`);
    network.setDelay("a", "b", 0);
  });

  await t.test("closing a connection reaches the other side", async (t) => {
    a.command({ op: "close", id: "ab" });
    await a.waitFor("the closed connection", (event) => event.event === "closed" && event.id === "ab");
    await b.waitFor("the server side's close", (event) => event.event === "peer-closed");
    t.pass();
  });
});
