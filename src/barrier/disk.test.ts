/**
 * The barrier on real storage: the physical conformance suite run through the
 * barrier (as an engine sees it: a prefixed view), and a byte scan of a
 * LevelDB data directory for anything that must never be stored in the clear.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { CofferError } from "../lib/index.js";
import { PrefixedStorage, type Storage } from "../logical/index.js";
import { runBackendConformance } from "../physical/conformance.js";
import { type Backend, InmemBackend, LevelDbBackend, type TransactionOp } from "../physical/index.js";
import { AesGcmBarrier } from "./barrier.js";
import { decryptValue } from "./envelope.js";
import { Keyring } from "./keyring.js";
import { keyringPath, sealConfigPath } from "./paths.js";

/**
 * An unsealed barrier seen through a mount's view, adapted to Backend. Two
 * adaptations: close() seals (later calls must reject), and an empty relative
 * key is refused here because the view would turn it into the valid physical
 * key "<prefix>" (PrefixedStorage passes it through).
 */
class BarrierAsBackend implements Backend {
  readonly #barrier: AesGcmBarrier;
  readonly #view: Storage;

  constructor(barrier: AesGcmBarrier) {
    this.#barrier = barrier;
    this.#view = new PrefixedStorage(barrier, "logical/conformance/");
  }

  get = async (key: string) => this.#view.get(checked(key));
  put = async (key: string, value: Uint8Array) => this.#view.put(checked(key), value);
  delete = async (key: string) => this.#view.delete(checked(key));
  list = async (prefix: string) => this.#view.list(prefix);
  transaction = async (ops: readonly TransactionOp[]) => {
    for (const op of ops) checked(op.key);
    return this.#view.transaction(ops);
  };
  close = async () => this.#barrier.seal();
}

function checked(key: string): string {
  if (key === "") throw new CofferError("invalid_request", "storage key must be a non-empty string");
  return key;
}

async function openBarrier(backend: Backend, rootKey: Uint8Array, initialize: boolean): Promise<AesGcmBarrier> {
  const barrier = new AesGcmBarrier({ backend });
  if (initialize) await barrier.initialize(rootKey);
  await barrier.unseal(rootKey);
  return barrier;
}

t.test("the barrier over inmem passes the physical conformance suite", async (t) => {
  await runBackendConformance(t, {
    open: async () => new BarrierAsBackend(await openBarrier(new InmemBackend(), randomBytes(32), true)),
  });
});

t.test("the barrier over LevelDB passes it too, across close and reopen", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "coffer-barrier-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const rootKey = randomBytes(32);
  let generation = 0;
  let current: { path: string; backend: LevelDbBackend } | undefined;
  const openAt = async (path: string, initialize: boolean) => {
    await current?.backend.close();
    const backend = await LevelDbBackend.open({ path });
    current = { path, backend };
    return new BarrierAsBackend(await openBarrier(backend, rootKey, initialize));
  };
  t.teardown(async () => current?.backend.close());
  await runBackendConformance(t, {
    open: async () => openAt(join(root, `db-${generation++}`), true),
    reopen: async () => openAt(current?.path ?? "", false),
  });
});

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The forms a key could leak in: raw bytes, hex, base64. */
function encodings(secret: Uint8Array): Buffer[] {
  const raw = Buffer.from(secret);
  return [raw, Buffer.from(raw.toString("hex")), Buffer.from(raw.toString("base64"))];
}

t.test("a LevelDB data directory holds no stored value, root key or keyring key in the clear", async (t) => {
  const directory = mkdtempSync(join(tmpdir(), "coffer-grep-"));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const rootKey = randomBytes(32);
  const secrets = [1, 2, 3].map(() => `secret-${randomBytes(18).toString("hex")}`);
  const backend = await LevelDbBackend.open({ path: directory });
  const barrier = await openBarrier(backend, rootKey, true);
  await barrier.put("logical/kv/one", Buffer.from(secrets[0] as string));
  await barrier.transaction([{ type: "put", key: "logical/kv/two", value: Buffer.from(secrets[1] as string) }]);
  await barrier.rotate();
  await barrier.put("logical/kv/three", Buffer.from(secrets[2] as string));
  const plaintextMarker = `seal-config-${randomBytes(8).toString("hex")}`;
  await barrier.sealStorage.put(sealConfigPath, Buffer.from(plaintextMarker));
  const keyring = Keyring.decode(
    decryptValue({ key: rootKey, path: keyringPath, ciphertext: (await backend.get(keyringPath)) as Uint8Array }),
  );
  const termKeys = keyring.terms.map((termKey) => Buffer.from(termKey.key));
  t.equal(termKeys.length, 2);
  barrier.seal();
  await backend.close();

  const files = filesUnder(directory);
  const contents = Buffer.concat(files.map((file) => readFileSync(file)));
  t.ok(
    files.length > 0 && contents.includes(plaintextMarker),
    "the scan sees stored data: the plaintext config is found",
  );
  for (const secret of secrets) t.notOk(contents.includes(secret), `stored value ${secret.slice(0, 12)}… not found`);
  for (const form of encodings(rootKey)) t.notOk(contents.includes(form), "root key not found");
  for (const termKey of termKeys) for (const form of encodings(termKey)) t.notOk(contents.includes(form), "term key");
});
