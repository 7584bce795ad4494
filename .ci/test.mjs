// The README's test command: build and static gates, then every tap test.
// Each gate counts as one test; the last line is `N passed, N failed` so CI
// and people read the same verdict.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);

function run(command, args, { capture = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", capture ? "pipe" : "inherit", "inherit"] });
    let output = "";
    if (capture) {
      child.stdout.on("data", (chunk) => {
        process.stdout.write(chunk);
        output += chunk.toString();
      });
    }
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

const sourceDirs = ["src", "cluster-test"].filter((dir) => existsSync(join(root, dir)));

// Tests run compiled from dist/ (tsc type-checks them once); tap is handed the
// files explicitly because it skips git-ignored paths such as dist/ when globbing.
// Only files whose TypeScript source still exists: a deleted test's stale
// compiled copy must not run.
function testFiles(sourceDir) {
  const dir = join(root, sourceDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith(".test.ts"))
    .map((name) => join("dist", sourceDir, name.replace(/\.ts$/, ".js")))
    .filter((compiled) => existsSync(join(root, compiled)))
    .sort();
}

const gates = [
  ["typecheck and build", process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "."]],
  ["lint and format", bin("biome"), ["check", ...sourceDirs]],
  ["dependency rule", bin("depcruise"), ["--config", ".dependency-cruiser.cjs", ...sourceDirs]],
];

let passed = 0;
let failed = 0;
const failures = [];
for (const [name, command, args] of gates) {
  console.log(`\n== ${name}`);
  const { code } = await run(command, args);
  if (code === 0) passed += 1;
  else {
    failed += 1;
    failures.push(name);
  }
}

// Unit and integration tests run in parallel; tests that start server
// processes run one file at a time, so a 2-core machine is not oversubscribed.
const requested = process.argv.slice(2);
const tapRuns = requested.length
  ? [["tap", requested]]
  : [
      ["tap: src", testFiles("src")],
      ["tap: cluster-test", ["--jobs=1", ...testFiles("cluster-test")]],
    ];
for (const [name, args] of tapRuns) {
  console.log(`\n== ${name}`);
  const { code: tapCode, output } = await run(bin("tap"), args, { capture: true });
  const summaries = [...output.matchAll(/#\s*\{\s*total:\s*(\d+)(?:,\s*pass:\s*(\d+))?(?:,\s*fail:\s*(\d+))?/g)];
  const summary = summaries.at(-1);
  if (summary) {
    passed += Number(summary[2] ?? 0);
    failed += Number(summary[3] ?? 0);
  }
  if (tapCode !== 0 && (!summary || Number(summary[3] ?? 0) === 0)) {
    // tap failed without counting a failed assertion (a crashed file, a timeout)
    failed += 1;
    failures.push(name);
  }
}
if (failures.length) console.log(`\nfailed gates: ${failures.join(", ")}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
