/**
 * A slow disk without a second code path in production: the cgroup v1
 * `blkio` controller throttles the write IOPS of the processes placed in a
 * cgroup, on the block device that holds the data directory. A node's
 * synced writes (LevelDB's fsync of its Raft batch) then wait for the
 * throttle, as on a saturated disk. Measured here: 20 write IOPS turns a
 * 0.4 ms write+fsync into ~60 ms.
 *
 * What was not available: an LD_PRELOAD shim is ruled out (it would be a
 * separate code path in production), `dm-delay` needs device-mapper (no
 * /dev/mapper, no kernel modules on this machine kind), and a FUSE delay
 * filesystem would need a FUSE implementation we do not have. cgroup v2's
 * `io.max` would work the same way where v2 is mounted; only v1 is here.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, readlink, rmdir, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";

const blkioRoot = "/sys/fs/cgroup/blkio";

export interface SlowDiskProbe {
  readonly available: boolean;
  readonly reason: string;
  /** `major:minor` of the whole disk under the path. */
  readonly device?: string;
}

/** Whether writes under `path` can be throttled here. */
export async function probeSlowDisk(path: string): Promise<SlowDiskProbe> {
  if (process.getuid?.() !== 0) return { available: false, reason: "not running as root" };
  if (!existsSync(join(blkioRoot, "blkio.throttle.write_iops_device"))) {
    return { available: false, reason: "no cgroup v1 blkio throttling at /sys/fs/cgroup/blkio" };
  }
  const device = await wholeDiskOf(path);
  if (device === undefined) return { available: false, reason: `${path} is not on a block device (tmpfs, overlay?)` };
  return { available: true, reason: `blkio write throttling on device ${device}`, device };
}

/** The `major:minor` of the disk holding `path`, or undefined when it is not a block device. */
async function wholeDiskOf(path: string): Promise<string | undefined> {
  const dev = (await stat(path)).dev;
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & ~0xff);
  const sysPath = `/sys/dev/block/${major}:${minor}`;
  if (!existsSync(sysPath)) return undefined;
  if (!existsSync(join(sysPath, "partition"))) return `${major}:${minor}`;
  // A partition: throttling applies to the whole disk, its parent in sysfs.
  const parent = dirname(resolve(dirname(sysPath), await readlink(sysPath)));
  const parentDev = (await readFile(join(parent, "dev"), "utf8")).trim();
  return parentDev || basename(parent);
}

export class SlowDisk {
  readonly #cgroup: string;
  readonly #device: string;
  #closed = false;

  private constructor(cgroup: string, device: string) {
    this.#cgroup = cgroup;
    this.#device = device;
  }

  /** A throttling cgroup for writes to the disk under `path`; throws when not available (probe first). */
  static async create(path: string, writeIops: number): Promise<SlowDisk> {
    const probe = await probeSlowDisk(path);
    if (!probe.available || probe.device === undefined) throw new Error(`slow disk not available: ${probe.reason}`);
    const cgroup = join(blkioRoot, `coffer-slow-disk-${process.pid}-${Date.now().toString(36)}`);
    await mkdir(cgroup);
    await writeFile(join(cgroup, "blkio.throttle.write_iops_device"), `${probe.device} ${Math.max(1, writeIops)}\n`);
    return new SlowDisk(cgroup, probe.device);
  }

  get device(): string {
    return this.#device;
  }

  /** Throttles the process (all its threads) from now on. */
  async slow(pid: number): Promise<void> {
    await writeFile(join(this.#cgroup, "cgroup.procs"), `${pid}\n`);
  }

  /** Moves the process back to the root cgroup (no-op when it is gone). */
  async restore(pid: number): Promise<void> {
    await writeFile(join(blkioRoot, "cgroup.procs"), `${pid}\n`).catch(() => {});
  }

  /** Pids in the throttled cgroup now. */
  async members(): Promise<number[]> {
    const text = await readFile(join(this.#cgroup, "cgroup.procs"), "utf8");
    return text.split("\n").filter(Boolean).map(Number);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const pid of await this.members().catch(() => [])) await this.restore(pid);
    await rmdir(this.#cgroup).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
