/**
 * Rotation against concurrent reads and writes. The invariant under test: no
 * value is ever durable under a term the durable keyring does not hold, so a
 * crash at any moment leaves every stored value readable after unseal.
 */
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import t from "tap";
import { collectKeys } from "../logical/index.js";
import { type Backend, InmemBackend, type TransactionOp } from "../physical/index.js";
import { AesGcmBarrier } from "./barrier.js";
import { decryptValue, readTerm } from "./envelope.js";
import { Keyring } from "./keyring.js";
import { keyringPath } from "./paths.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value);

function storedActiveTerm(stored: Uint8Array, rootKey: Uint8Array): number {
  return Keyring.decode(decryptValue({ key: rootKey, path: keyringPath, ciphertext: stored })).activeTerm;
}

/** Every value currently stored (other than the keyring) has a term the stored keyring holds. */
async function checkTermsDurable(backend: Backend, rootKey: Uint8Array): Promise<string | undefined> {
  const keyring = await backend.get(keyringPath);
  if (keyring === undefined) return "no keyring";
  const durableTerm = storedActiveTerm(keyring, rootKey);
  for (const key of await collectKeys(backend)) {
    if (key === keyringPath) continue;
    const term = readTerm((await backend.get(key)) as Uint8Array, key);
    if (term > durableTerm) return `${key} is under term ${term}, the stored keyring ends at ${durableTerm}`;
  }
  return undefined;
}

/** An inmem backend whose write of one key can be held, to freeze a rotation between encrypt and persist. */
class HoldableBackend extends InmemBackend {
  #held: { key: string; reached: () => void; gate: Promise<void> } | undefined;

  hold(key: string): { reached: Promise<void>; release: () => void } {
    let reached: () => void = () => {};
    let release: () => void = () => {};
    const reachedPromise = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#held = { key, reached, gate };
    return { reached: reachedPromise, release };
  }

  override async put(key: string, value: Uint8Array): Promise<void> {
    const held = this.#held;
    if (held !== undefined && held.key === key) {
      this.#held = undefined;
      held.reached();
      await held.gate;
    }
    return super.put(key, value);
  }

  /** A copy of everything stored now: what a crash at this instant would leave on disk. */
  async snapshot(): Promise<InmemBackend> {
    const copy = new InmemBackend();
    for (const key of await collectKeys(this)) await copy.put(key, (await this.get(key)) as Uint8Array);
    return copy;
  }
}

t.test("writes during a rotation use the old term until the new keyring is durable", async (t) => {
  const backend = new HoldableBackend();
  const rootKey = randomBytes(32);
  const barrier = new AesGcmBarrier({ backend });
  await barrier.initialize(rootKey);
  await barrier.unseal(rootKey);
  await barrier.put("logical/before", bytes("0"));

  const keyringWrite = backend.hold(keyringPath);
  const rotation = barrier.rotate();
  await keyringWrite.reached;
  await barrier.put("logical/during", bytes("1"));
  await barrier.transaction([{ type: "put", key: "logical/during-tx", value: bytes("2") }]);
  t.equal(readTerm((await backend.get("logical/during")) as Uint8Array, "logical/during"), 1);
  t.equal(barrier.keyStatus().term, 1, "the new term is not active before its keyring is stored");
  t.equal(await checkTermsDurable(backend, rootKey), undefined);

  const crashed = new AesGcmBarrier({ backend: await backend.snapshot() });
  await crashed.unseal(rootKey);
  t.equal(text(await crashed.get("logical/during-tx")), "2", "a crash mid-rotation loses nothing");

  keyringWrite.release();
  t.equal((await rotation).term, 2);
  await barrier.put("logical/after", bytes("3"));
  t.equal(readTerm((await backend.get("logical/after")) as Uint8Array, "logical/after"), 2);
  t.equal(await checkTermsDurable(backend, rootKey), undefined);
});

t.test("sealing during a rotation: the rotation fails sealed, its persisted term is used after unseal", async (t) => {
  const backend = new HoldableBackend();
  const rootKey = randomBytes(32);
  const barrier = new AesGcmBarrier({ backend });
  await barrier.initialize(rootKey);
  await barrier.unseal(rootKey);
  const keyringWrite = backend.hold(keyringPath);
  const rotation = barrier.rotate();
  await keyringWrite.reached;
  barrier.seal();
  keyringWrite.release();
  await t.rejects(rotation, { code: "sealed" });
  t.equal(barrier.sealed(), true);
  await barrier.unseal(rootKey);
  t.equal(barrier.keyStatus().term, 2, "the keyring that reached storage is the one loaded");
});

type Step =
  | { readonly type: "put"; readonly value: string }
  | { readonly type: "get"; readonly index: number }
  | { readonly type: "rotate" }
  | { readonly type: "reload" };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }).map((value) => ({ type: "put" as const, value })) },
  { weight: 2, arbitrary: fc.nat({ max: 30 }).map((index) => ({ type: "get" as const, index })) },
  { weight: 2, arbitrary: fc.constant({ type: "rotate" as const }) },
  { weight: 1, arbitrary: fc.constant({ type: "reload" as const }) },
);

/** Every backend call waits for the scheduler, so fast-check explores the interleavings (seed printed on failure). */
function scheduledBackend(inner: InmemBackend, scheduler: fc.Scheduler, rootKey: Uint8Array, violations: string[]) {
  const check = async () => {
    const violation = await checkTermsDurable(inner, rootKey);
    if (violation !== undefined) violations.push(violation);
  };
  const backend: Backend = {
    get: async (key) => {
      await scheduler.schedule(Promise.resolve(key), `get ${key}`);
      return inner.get(key);
    },
    list: async (prefix) => inner.list(prefix),
    put: async (key, value) => {
      await scheduler.schedule(Promise.resolve(key), `put ${key}`);
      await inner.put(key, value);
      await check();
    },
    delete: async (key) => inner.delete(key),
    transaction: async (ops: readonly TransactionOp[]) => {
      await scheduler.schedule(Promise.resolve(ops.length), "transaction");
      await inner.transaction(ops);
      await check();
    },
    close: async () => inner.close(),
  };
  return backend;
}

/**
 * Releases scheduled backend calls until `work` settles. A call can be queued
 * behind a few microtasks (the lifecycle mutex), so settle those between rounds;
 * nothing left to release while work is pending would be a deadlock.
 */
async function drain(scheduler: fc.Scheduler, work: Promise<unknown>): Promise<void> {
  let settled = false;
  void work.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (;;) {
    await scheduler.waitAll();
    await new Promise((resolve) => setImmediate(resolve));
    if (settled) return;
    if (scheduler.count() === 0) throw new Error("deadlock: work pending with nothing scheduled");
  }
}

t.test("any interleaving of writes, reads, rotations and reloads keeps every term durable", async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), fc.array(step, { minLength: 1, maxLength: 25 }), async (scheduler, steps) => {
      const inner = new InmemBackend();
      const rootKey = randomBytes(32);
      await new AesGcmBarrier({ backend: inner }).initialize(rootKey);
      const violations: string[] = [];
      const barrier = new AesGcmBarrier({ backend: scheduledBackend(inner, scheduler, rootKey, violations) });
      const unsealing = barrier.unseal(rootKey);
      await drain(scheduler, unsealing);
      await unsealing;

      const values = steps.map((candidate, index) => (candidate.type === "put" ? `${index}:${candidate.value}` : ""));
      const running = steps.map(async (candidate, index): Promise<string | undefined> => {
        // Each step starts when the scheduler says, so starts interleave with backend calls in flight.
        await scheduler.schedule(Promise.resolve(index), `start step ${index}`);
        switch (candidate.type) {
          case "put":
            return void (await barrier.put(`logical/k${index}`, bytes(values[index] as string)));
          case "get": {
            const read = text(await barrier.get(`logical/k${candidate.index}`));
            const expected = values[candidate.index];
            return read === undefined || read === expected ? undefined : `k${candidate.index} read ${read}`;
          }
          case "rotate":
            return void (await barrier.rotate());
          case "reload":
            return void (await barrier.reloadKeyring());
        }
      });
      await drain(scheduler, Promise.allSettled(running));
      const wrongReads = (await Promise.all(running)).filter((result) => result !== undefined);
      if (violations.length > 0 || wrongReads.length > 0) throw new Error([...violations, ...wrongReads].join("; "));

      const restarted = new AesGcmBarrier({ backend: inner });
      await restarted.unseal(rootKey);
      const rotations = steps.filter((candidate) => candidate.type === "rotate").length;
      if (restarted.keyStatus().term !== 1 + rotations) throw new Error(`term ${restarted.keyStatus().term}`);
      for (const [index, candidate] of steps.entries()) {
        if (candidate.type !== "put") continue;
        const read = text(await restarted.get(`logical/k${index}`));
        if (read !== values[index]) throw new Error(`after restart k${index} reads ${read}`);
      }
    }),
    { numRuns: 150 },
  );
  t.pass("no interleaving broke the invariant");
});
