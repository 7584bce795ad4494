/**
 * Process faults by pid: a paused process (SIGSTOP) keeps its sockets and
 * its place in the cluster but does nothing — like a long GC pause or a VM
 * freeze — until SIGCONT. Kill and restart go through the cluster harness,
 * which owns the processes.
 */

export function pauseProcess(pid: number): void {
  process.kill(pid, "SIGSTOP");
}

export function resumeProcess(pid: number): void {
  process.kill(pid, "SIGCONT");
}

/** The process state letter from /proc (`T` = stopped), or undefined when it is gone. */
export async function processState(pid: number): Promise<string | undefined> {
  const { readFile } = await import("node:fs/promises");
  try {
    const status = await readFile(`/proc/${pid}/stat`, "utf8");
    // pid (comm) state ...: comm may contain spaces, so read after the last ')'.
    return status.slice(status.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}
