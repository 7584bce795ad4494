import t from "tap";
import { CofferError } from "../lib/index.js";
import type { AppendEntries, Message } from "./messages.js";
import { entry, makeNode } from "./testkit/fixtures.js";
import { toLogIndex, toTerm } from "./types.js";
import { messageProblem } from "./validate.js";

const append: AppendEntries = {
  type: "appendEntries",
  from: "1",
  to: "2",
  term: toTerm(3),
  prevLogIndex: toLogIndex(1),
  prevLogTerm: toTerm(1),
  entries: [entry(2, 2), entry(3, 3)],
  commit: toLogIndex(1),
};

t.test("well-formed messages pass", async (t) => {
  t.equal(messageProblem(append), "");
  t.equal(messageProblem({ type: "timeoutNow", from: "1", to: "2", term: toTerm(1) }), "");
});

t.test("malformed messages are named", async (t) => {
  const cases: [string, Message, RegExp][] = [
    ["gap in entries", { ...append, entries: [entry(2, 2), entry(4, 3)] }, /expected 3/],
    ["entry term above the message's", { ...append, entries: [entry(2, 9)] }, /term 9/],
    ["decreasing entry terms", { ...append, entries: [entry(2, 3), entry(3, 2)] }, /term 2/],
    ["negative index", { ...append, prevLogIndex: -1 as never }, /out of range/],
    ["fractional term", { ...append, term: 1.5 as never }, /term 1.5/],
    ["no sender", { ...append, from: "" }, /sender/],
    [
      "context not bytes",
      { type: "heartbeat", from: "1", to: "2", term: toTerm(1), commit: toLogIndex(0), context: "x" as never },
      /bytes/,
    ],
    ["unknown type", { type: "gossip", from: "1", to: "2", term: toTerm(1) } as never, /unknown message type gossip/],
  ];
  for (const [name, message, pattern] of cases) t.match(messageProblem(message), pattern, name);
});

t.test("the node refuses a malformed message with a typed error and stays unchanged", async (t) => {
  const fixture = makeNode({ id: "2" });
  t.throws(() => fixture.node.step({ ...append, entries: [entry(5, 2)] }), CofferError);
  t.equal(fixture.node.term, 1, "the higher term of the bad message was not adopted");
  t.notOk(fixture.node.hasReady());
});
