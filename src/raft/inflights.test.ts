import fc from "fast-check";
import t from "tap";
import { AssertionError } from "../lib/index.js";
import { Inflights } from "./inflights.js";

type Operation =
  | { kind: "add"; gap: number; bytes: number }
  | { kind: "freeTo"; back: number }
  | { kind: "freeOldest" }
  | { kind: "reset" };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constant("add" as const),
    gap: fc.integer({ min: 1, max: 3 }),
    bytes: fc.integer({ min: 0, max: 40 }),
  }),
  fc.record({ kind: fc.constant("freeTo" as const), back: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ kind: fc.constant("freeOldest" as const) }),
  fc.record({ kind: fc.constant("reset" as const) }),
);

t.test("Inflights behaves like a bounded FIFO of (index, bytes)", async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 100 }),
      fc.array(operation, { maxLength: 60 }),
      (capacity, bytesMax, operations) => {
        const inflights = new Inflights(capacity, bytesMax);
        let model: { index: number; bytes: number }[] = [];
        let lastIndex = 0;
        const modelFull = () =>
          model.length === capacity || model.reduce((sum, item) => sum + item.bytes, 0) >= bytesMax;
        for (const op of operations) {
          switch (op.kind) {
            case "add":
              if (modelFull()) {
                if (!inflights.full()) return false;
                continue;
              }
              lastIndex += op.gap;
              inflights.add(lastIndex, op.bytes);
              model.push({ index: lastIndex, bytes: op.bytes });
              break;
            case "freeTo": {
              const index = lastIndex - op.back;
              inflights.freeLessOrEqual(index);
              model = model.filter((item) => item.index > index);
              break;
            }
            case "freeOldest":
              inflights.freeOldest();
              model.shift();
              break;
            case "reset":
              inflights.reset();
              model = [];
              break;
          }
          const bytes = model.reduce((sum, item) => sum + item.bytes, 0);
          if (inflights.count !== model.length || inflights.bytes !== bytes || inflights.full() !== modelFull())
            return false;
        }
        return true;
      },
    ),
  );
  t.pass();
});

t.test("Inflights refuses to grow past its bound and out of order", async (t) => {
  const inflights = new Inflights(2, 1000);
  inflights.add(5, 10);
  t.throws(() => inflights.add(5, 10), AssertionError, "indexes must increase");
  inflights.add(7, 10);
  t.ok(inflights.full(), "full at capacity");
  t.throws(() => inflights.add(9, 10), AssertionError);
  inflights.freeLessOrEqual(6);
  t.equal(inflights.count, 1);
  t.notOk(inflights.full());
  const byBytes = new Inflights(10, 100);
  byBytes.add(1, 60);
  t.notOk(byBytes.full());
  byBytes.add(2, 40);
  t.ok(byBytes.full(), "full once the byte bound is reached");
});
