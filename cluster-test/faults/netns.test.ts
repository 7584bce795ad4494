import { execFileSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { isolationLinks } from "./links.js";
import { NamespaceNetwork, probeNamespaces } from "./netns.js";
import { Peer, received, reply } from "./testing.js";

/** Long enough for a line to cross a veth many times over; only used to show that something did NOT arrive. */
const quietMs = 300;

const probe = await probeNamespaces();
t.comment(`network namespaces: ${probe.reason}`);

t.test(
  "network namespaces cut, one-way cut and heal links with kernel drops",
  { skip: !probe.available && probe.reason },
  async (t) => {
    const names = ["a", "b", "c"];
    const network = await NamespaceNetwork.create(names);
    const peers: Peer[] = [];
    t.teardown(async () => {
      for (const peer of peers) peer.stop();
      await sleep(50);
      await network.close();
    });
    for (const name of names) peers.push(await Peer.start(name, network.address(name), network.commandPrefix(name)));
    const [a, b, c] = peers as [Peer, Peer, Peer];
    const dial = (from: Peer, id: string, to: Peer) => from.connect(id, network.address(to.name), to.port);

    dial(a, "ab", b);
    a.send("ab", "1");
    await a.waitFor("b's answer", reply("ab", "b:1"));

    await t.test("a one-way cut a->b holds a's bytes and lets b's through; the heal delivers", async (t) => {
      dial(b, "ba", a);
      b.send("ba", "hello");
      await b.waitFor("a's answer", reply("ba", "a:hello"));
      await network.cut("a", "b");
      a.send("ab", "2");
      b.send("ba", "3");
      await a.waitFor("b's line across the open direction", received("3"));
      await sleep(quietMs);
      t.notOk(b.has(received("2")), "a's line is dropped while cut");
      t.notOk(b.has(reply("ba", "a:3")), "a's answer to b is dropped too");
      await network.heal("a", "b");
      await b.waitFor("a's retransmitted line", received("2"), 20_000);
      await b.waitFor("a's retransmitted answer", reply("ba", "a:3"), 20_000);
      t.pass("TCP delivered both after the heal");
    });

    await t.test("an isolated node cannot even connect; the root namespace still reaches it", async (t) => {
      for (const link of isolationLinks("c", names)) await network.cut(link.from, link.to);
      t.equal(network.cutLinks().length, 4);
      dial(a, "ac", c);
      await sleep(quietMs);
      t.notOk(
        a.has((event) => event.event === "connected" && event.id === "ac"),
        "no handshake while isolated",
      );
      const fromRoot = execFileSync(process.execPath, [
        "-e",
        `const s=require("net").connect(${c.port},"${network.address("c")}",()=>s.write("root\\n"));s.on("data",d=>{process.stdout.write(d);process.exit(0)})`,
      ]).toString();
      t.equal(fromRoot, "c:root\n", "a client in the root namespace is never cut off");
      await network.healAll();
      await a.waitFor(
        "the connection after the heal",
        (event) => event.event === "connected" && event.id === "ac",
        20_000,
      );
      t.equal(network.cutLinks().length, 0);
    });
  },
);
