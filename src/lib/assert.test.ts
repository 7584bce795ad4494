import t from "tap";
import { AssertionError, assert } from "./assert.js";

t.test("assert throws AssertionError with the message on a false condition", async (t) => {
  t.throws(() => assert(false, "broken invariant"), new AssertionError("broken invariant"));
  t.doesNotThrow(() => assert(1, "fine"));
});
