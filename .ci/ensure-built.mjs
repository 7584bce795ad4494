// Makes a fresh clone runnable with nothing but Node.js: installs the locked
// dependencies when node_modules is missing or older than the lockfile, then
// builds. Plain JavaScript on purpose: it runs before TypeScript is installed.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const installTimeoutMs = 10 * 60 * 1000;

function mtimeMs(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function run(command, args, timeoutMs) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", timeout: timeoutMs });
  return result.status === 0;
}

function installNeeded() {
  const marker = join(root, "node_modules", ".package-lock.json");
  const installedAt = mtimeMs(marker);
  return installedAt === 0 || installedAt < mtimeMs(join(root, "package-lock.json")) || installedAt < mtimeMs(join(root, "package.json"));
}

if (installNeeded()) {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  // One npm install on this machine kind once hung for 15 minutes; bound it and retry once.
  const args = ["install", "--no-audit", "--no-fund", "--loglevel=error"];
  if (!run(npm, args, installTimeoutMs) && !run(npm, args, installTimeoutMs)) {
    console.error("npm install failed twice; see the output above");
    process.exit(1);
  }
}

if (process.argv.includes("--install-only")) process.exit(0);

const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
if (!run(process.execPath, [tsc, "-p", "."], installTimeoutMs)) {
  console.error("the TypeScript build failed; see the errors above");
  process.exit(1);
}
