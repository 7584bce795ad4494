/**
 * Watches who is active: every node's `sys/leader` (served locally, never
 * forwarded) a few times a second. Answers the nemesis's "who is active now"
 * and, afterwards, "how long was there no active after this fault".
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface LeaderSample {
  readonly atMs: number;
  /** Nodes that answered is_self: true (more than one: an old active that has not noticed yet). */
  readonly active: readonly number[];
}

export class ActiveMonitor {
  readonly samples: LeaderSample[] = [];
  readonly #urls: () => readonly (string | undefined)[];
  readonly #clock: () => number;
  readonly #intervalMs: number;
  #running = false;
  #loop: Promise<void> | undefined;

  /** `urls()`: each node's API URL, undefined while the node is down. */
  constructor(urls: () => readonly (string | undefined)[], clock: () => number, intervalMs = 100) {
    this.#urls = urls;
    this.#clock = clock;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  /** The node that most recently answered as the only active one. */
  latestActive(): number | undefined {
    for (let index = this.samples.length - 1; index >= 0; index--) {
      const active = this.samples[index]!.active;
      if (active.length === 1) return active[0];
    }
    return undefined;
  }

  /**
   * The longest stretch without an active that began in [fromMs, toMs] — it
   * may last beyond toMs: the outage a fault caused, until some node is
   * active again. 0 when an active answered throughout.
   */
  longestOutageStartingIn(fromMs: number, toMs: number): number {
    let longestMs = 0;
    let outageStartMs: number | undefined;
    for (const sample of this.samples) {
      if (sample.active.length === 0) {
        if (outageStartMs === undefined && sample.atMs >= fromMs && sample.atMs <= toMs) outageStartMs = sample.atMs;
        continue;
      }
      if (outageStartMs !== undefined) {
        longestMs = Math.max(longestMs, sample.atMs - outageStartMs);
        outageStartMs = undefined;
      }
      if (sample.atMs > toMs) break;
    }
    const last = this.samples.at(-1);
    if (outageStartMs !== undefined && last) longestMs = Math.max(longestMs, last.atMs - outageStartMs);
    return longestMs;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const startedMs = this.#clock();
      const answers = await Promise.all(this.#urls().map((url) => (url ? isActive(url) : false)));
      this.samples.push({
        atMs: startedMs,
        active: answers.flatMap((active, index) => (active ? [index] : [])),
      });
      const waitMs = this.#intervalMs - (this.#clock() - startedMs);
      if (waitMs > 0) await sleep(waitMs);
    }
  }
}

async function isActive(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/sys/leader`, { signal: AbortSignal.timeout(400) });
    const body = (await response.json()) as { is_self?: unknown };
    return body.is_self === true;
  } catch {
    return false;
  }
}
