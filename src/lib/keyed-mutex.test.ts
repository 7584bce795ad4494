import t from "tap";
import { KeyedMutex } from "./keyed-mutex.js";

t.test("sections on one key run one at a time, in call order; other keys do not wait", async (t) => {
  const mutex = new KeyedMutex();
  const events: string[] = [];
  let releaseFirst: () => void = () => {};
  const first = mutex.runExclusive("a", async () => {
    events.push("a1 start");
    await new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    events.push("a1 end");
  });
  const second = mutex.runExclusive("a", async () => {
    events.push("a2");
  });
  const other = mutex.runExclusive("b", async () => {
    events.push("b1");
  });
  await other;
  t.same(events, ["a1 start", "b1"], "b ran while a1 held key a; a2 waits");
  releaseFirst();
  await Promise.all([first, second]);
  t.same(events, ["a1 start", "b1", "a1 end", "a2"]);
});

t.test("a failing section rejects its caller only; idle keys are dropped", async (t) => {
  const mutex = new KeyedMutex();
  await t.rejects(
    mutex.runExclusive("k", async () => {
      throw new Error("boom");
    }),
    { message: "boom" },
  );
  t.equal(await mutex.runExclusive("k", async () => 7), 7);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(mutex.activeKeys, 0);
});
