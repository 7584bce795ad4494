/**
 * Which local process opened a TCP connection, from Linux's /proc: the
 * proxy knows the peer's port of an accepted connection; the peer socket's
 * line in /proc/net/tcp{,6} gives its inode, and the process holding that
 * inode among its file descriptors is the owner. This lets a proxy on
 * 127.0.0.1 tell which cluster node is calling without any change to the
 * node (every node connects from 127.0.0.1).
 */
import { readdir, readFile, readlink } from "node:fs/promises";

/** The inode of the socket whose local port is `localPort` and remote port `remotePort`, if any. */
export async function socketInode(localPort: number, remotePort: number): Promise<number | undefined> {
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = await readFile(table, "utf8");
    } catch {
      continue;
    }
    const inode = findInode(text, localPort, remotePort);
    if (inode !== undefined) return inode;
  }
  return undefined;
}

/** Parses a /proc/net/tcp table: `sl local_address rem_address st ... uid timeout inode`. */
export function findInode(table: string, localPort: number, remotePort: number): number | undefined {
  for (const line of table.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const remote = fields[2];
    const inode = fields[9];
    if (local === undefined || remote === undefined || inode === undefined) continue;
    if (portOf(local) === localPort && portOf(remote) === remotePort && inode !== "0") return Number(inode);
  }
  return undefined;
}

function portOf(address: string): number {
  return Number.parseInt(address.slice(address.lastIndexOf(":") + 1), 16);
}

/** The first of `pids` that holds socket `inode` open, if any. */
export async function pidHoldingSocket(inode: number, pids: Iterable<number>): Promise<number | undefined> {
  const target = `socket:[${inode}]`;
  for (const pid of pids) {
    let descriptors: string[];
    try {
      descriptors = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    for (const descriptor of descriptors) {
      try {
        if ((await readlink(`/proc/${pid}/fd/${descriptor}`)) === target) return pid;
      } catch {
        // closed while we looked
      }
    }
  }
  return undefined;
}

/** The process among `pids` that opened the connection from `peerPort` to our `listenPort`. */
export async function connectionOwner(
  peerPort: number,
  listenPort: number,
  pids: Iterable<number>,
): Promise<number | undefined> {
  const inode = await socketInode(peerPort, listenPort);
  return inode === undefined ? undefined : pidHoldingSocket(inode, pids);
}
