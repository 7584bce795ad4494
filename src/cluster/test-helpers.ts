/** Test-only helpers for the cluster layer's tests (imported by *.test.ts only). */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Test } from "tap";
import type { Entry, EntryKind } from "../raft/index.js";
import { toLogIndex, toTerm } from "../raft/index.js";

/** A fresh directory removed when the test ends. */
export function tempDir(t: Test, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `coffer-${name}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function entry(index: number, term: number, data = `e${index}t${term}`, kind: EntryKind = "normal"): Entry {
  return { index: toLogIndex(index), term: toTerm(term), kind, data: new TextEncoder().encode(data) };
}

export function entries(from: number, to: number, term: number): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, offset) => entry(from + offset, term));
}

/**
 * Runs `source` (an ES module body) in a fresh Node process that is killed
 * with SIGKILL as soon as it prints "ready": nothing is closed or flushed
 * after that point, as in a crash. Resolves with what it printed.
 */
export function runAndKill(source: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", source], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let errors = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("ready")) child.kill("SIGKILL");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.on("close", (_code, signal) => {
      if (signal === "SIGKILL") resolve(output);
      else reject(new Error(`child exited without being killed: ${errors}${output}`));
    });
  });
}
