/**
 * The chaos workload: a few clients per node, each looping over reads,
 * writes and compare-and-sets on a small set of keys through its own node
 * (so standbys forward), recording every operation with its honest outcome
 * in one history. Values are unique (`<client>-<n>`) so the checker can
 * tell writes apart. A cas names the version this client last saw, so some
 * apply and some are refused.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Prng } from "../../src/sim/prng.js";
import { type Call, HistoryRecorder } from "../linearizability/index.js";
import { type KvTarget, perform } from "./kv-client.js";

export interface WorkloadOptions {
  readonly seed: number;
  readonly targets: readonly KvTarget[];
  readonly clientsPerNode: number;
  readonly keys: readonly string[];
  /** Pause between a client's operations, uniform in [0, max]. */
  readonly thinkMsMax: number;
}

export interface WorkloadCounts {
  /** "<kind> <status>: <category>" -> count. */
  readonly byKind: ReadonlyMap<string, number>;
  /** When writes were acknowledged (ms on the recorder's clock). */
  readonly acknowledgedWriteTimes: readonly number[];
}

export class Workload {
  readonly recorder: HistoryRecorder;
  readonly #options: WorkloadOptions;
  readonly #clock: () => number;
  readonly #byKind = new Map<string, number>();
  readonly #acknowledgedWriteTimes: number[] = [];
  #running = false;
  #loops: Promise<void>[] = [];

  constructor(options: WorkloadOptions, clock: () => number) {
    this.#options = options;
    this.#clock = clock;
    this.recorder = new HistoryRecorder(clock);
  }

  start(): void {
    this.#running = true;
    const random = new Prng(this.#options.seed);
    this.#options.targets.forEach((target, node) => {
      for (let index = 0; index < this.#options.clientsPerNode; index++) {
        const name = `n${node + 1}c${index + 1}`;
        this.#loops.push(this.#client(name, target, random.fork()));
      }
    });
  }

  /** Stops issuing operations and waits for those in flight (each ends within its timeout). */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  counts(): WorkloadCounts {
    return { byKind: this.#byKind, acknowledgedWriteTimes: this.#acknowledgedWriteTimes };
  }

  async #client(name: string, target: KvTarget, random: Prng): Promise<void> {
    const lastSeen = new Map<string, number>();
    let sequence = 0;
    while (this.#running) {
      const key = random.pick(this.#options.keys);
      const roll = random.float();
      const value = `${name}-${++sequence}`;
      const call: Call =
        roll < 0.5
          ? { kind: "read" }
          : roll < 0.8
            ? { kind: "write", value }
            : { kind: "cas", expectedVersion: lastSeen.get(key) ?? 0, value };
      const pending = this.recorder.invoke(name, key, call);
      const answer = await perform(target, key, call);
      const { outcome } = answer;
      if (outcome.status === "ok") pending.ok(outcome.result);
      else if (outcome.status === "failed") pending.failed(outcome.reason);
      else pending.unknown(outcome.reason);
      this.#count(`${call.kind} ${outcome.status}: ${answer.category}`);
      if (outcome.status === "ok") {
        const result = outcome.result;
        if (result.kind === "read") lastSeen.set(key, result.version);
        else if ((result.kind === "write" || result.applied) && result.version !== undefined) {
          lastSeen.set(key, result.version);
          this.#acknowledgedWriteTimes.push(this.#clock());
        }
      }
      // Back off after an error so a dead node is not hammered; otherwise a short think time.
      const pauseMs = outcome.status === "ok" ? random.int(this.#options.thinkMsMax + 1) : 50 + random.int(150);
      if (pauseMs > 0) await sleep(pauseMs);
    }
  }

  #count(name: string): void {
    this.#byKind.set(name, (this.#byKind.get(name) ?? 0) + 1);
  }
}
