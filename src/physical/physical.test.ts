import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { runBackendConformance } from "./conformance.js";
import { InmemBackend } from "./inmem.js";
import { LevelDbBackend } from "./leveldb.js";

t.test("inmem backend conformance", async (t) => {
  await runBackendConformance(t, { open: async () => new InmemBackend() });
});

t.test("LevelDB backend conformance", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "coffer-leveldb-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  let generation = 0;
  let current = "";
  await runBackendConformance(t, {
    open: async () => {
      current = join(root, `db-${generation++}`);
      return LevelDbBackend.open({ path: current });
    },
    reopen: async () => LevelDbBackend.open({ path: current }),
  });
});
