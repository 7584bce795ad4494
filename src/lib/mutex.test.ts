import t from "tap";
import { Mutex } from "./mutex.js";

t.test("sections run one at a time, in call order, past rejections", async (t) => {
  const mutex = new Mutex();
  const events: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const first = mutex.runExclusive(async () => {
    events.push("first start");
    await gate;
    events.push("first end");
    return 1;
  });
  const second = mutex.runExclusive(async () => {
    events.push("second");
    throw new Error("boom");
  });
  const third = mutex.runExclusive(async () => {
    events.push("third");
    return 3;
  });
  await Promise.resolve();
  t.same(events, ["first start"], "nothing else starts while the first holds the lock");
  release();
  t.equal(await first, 1);
  await t.rejects(second, { message: "boom" });
  t.equal(await third, 3, "a rejected section does not block the next");
  t.same(events, ["first start", "first end", "second", "third"]);
});
