import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { pauseProcess, processState, resumeProcess } from "./processes.js";
import { probeSlowDisk, SlowDisk } from "./slow-disk.js";

t.test("pause and resume a real process", async (t) => {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  t.teardown(() => {
    child.kill("SIGKILL");
  });
  const pid = child.pid!;
  pauseProcess(pid);
  for (let tries = 0; tries < 100 && (await processState(pid)) !== "T"; tries++) await sleep(10);
  t.equal(await processState(pid), "T", "stopped");
  resumeProcess(pid);
  for (let tries = 0; tries < 100 && (await processState(pid)) === "T"; tries++) await sleep(10);
  t.not(await processState(pid), "T", "running again");
  child.kill("SIGKILL");
  await new Promise((resolve) => child.once("exit", resolve));
  t.equal(await processState(pid), undefined, "gone");
});

const diskProbe = await probeSlowDisk(process.cwd());
t.comment(`slow disk: ${diskProbe.reason}`);

t.test(
  "a throttled process's synced writes go through the blkio throttle",
  { skip: !diskProbe.available && diskProbe.reason },
  async (t) => {
    const disk = await SlowDisk.create(process.cwd(), 50);
    t.teardown(() => disk.close());
    // Waits for "go" on stdin, then does 20 write+fsync rounds in the current directory and reports the time.
    const script = `
    const fs = require("fs"), path = "fsync-probe-" + process.pid;
    process.stdin.once("data", () => {
      const fd = fs.openSync(path, "w"), started = performance.now();
      for (let i = 0; i < 20; i++) { fs.writeSync(fd, Buffer.alloc(4096, i)); fs.fsyncSync(fd); }
      fs.closeSync(fd); fs.rmSync(path);
      console.log((performance.now() - started).toFixed(0));
    });`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
    t.teardown(() => {
      child.kill("SIGKILL");
    });
    await disk.slow(child.pid!);
    t.same(await disk.members(), [child.pid], "the process is in the throttled cgroup");
    const output = new Promise<string>((resolve) =>
      child.stdout.once("data", (data: Buffer) => resolve(data.toString())),
    );
    child.stdin.write("go\n");
    const elapsedMs = await output;
    t.comment(`20 synced 4 KiB writes at 50 write IOPS took ${elapsedMs.trim()} ms (device ${disk.device})`);
    await disk.restore(child.pid!);
    t.same(await disk.members(), [], "restored to the root cgroup");
  },
);
