/**
 * Golden interaction tests: each testdata/*.txt is a script of commands and
 * the output they must produce. To rewrite the files from the current
 * behaviour (then review the diff!): RAFT_GOLDEN_UPDATE=1 npx tap dist/src/raft/interaction.test.js
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { renderScript, runScript } from "./testkit/script.js";

function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, "package.json"))) directory = dirname(directory);
  return directory;
}

const testdata = join(repositoryRoot(), "src", "raft", "testdata");
const update = process.env["RAFT_GOLDEN_UPDATE"] === "1";

for (const file of readdirSync(testdata)
  .filter((name) => name.endsWith(".txt"))
  .sort()) {
  t.test(file, async (t) => {
    const path = join(testdata, file);
    const results = runScript(readFileSync(path, "utf8"));
    if (update) {
      writeFileSync(path, renderScript(results));
      t.pass(`rewrote ${file}`);
      return;
    }
    for (const result of results) {
      t.equal(result.output.join("\n"), result.expected.join("\n"), result.command);
    }
  });
}
