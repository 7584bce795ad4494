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
function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith(".test.js"))
    .map((name) => relative(root, join(dir, name)))
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

console.log("\n== tap");
const requested = process.argv.slice(2);
const tapArgs = requested.length ? requested : [...testFiles(join(root, "dist", "src")), ...testFiles(join(root, "dist", "cluster-test"))];
const { code: tapCode, output } = await run(bin("tap"), tapArgs, { capture: true });
const summary = /#\s*\{\s*total:\s*(\d+)(?:,\s*pass:\s*(\d+))?(?:,\s*fail:\s*(\d+))?/.exec(output);
if (summary) {
  passed += Number(summary[2] ?? 0);
  failed += Number(summary[3] ?? 0);
}
if (tapCode !== 0 && (!summary || Number(summary[3] ?? 0) === 0)) {
  // tap failed without counting a failed assertion (a crashed file, a timeout, coverage)
  failed += 1;
  failures.push("tap run");
}
if (failures.length) console.log(`\nfailed gates: ${failures.join(", ")}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
