import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { AesGcmBarrier, decryptValue, sealConfigPath, storedBarrierKeysPath } from "../barrier/index.js";
import { type Backend, InmemBackend, LevelDbBackend } from "../physical/index.js";
import { validateShareCounts } from "./config.js";
import { ShamirSeal } from "./shamir.js";
import { combineKeyShares } from "./shares.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value);

function newSeal(backend: Backend = new InmemBackend()) {
  const barrier = new AesGcmBarrier({ backend });
  return { backend, barrier, seal: new ShamirSeal({ barrier }) };
}

const hexToBase64 = (hex: string): string => Buffer.from(hex, "hex").toString("base64");

t.test("share counts are validated with Vault's messages, as 400s", async (t) => {
  const cases: Array<[number, number, string]> = [
    [0, 0, "shares must be at least one"],
    [3, 0, "threshold must be at least one"],
    [3, 1, "threshold must be greater than one for multiple shares"],
    [256, 2, "shares must be less than 256"],
    [300, 256, "shares must be less than 256"],
    [255, 256, "threshold must be less than 256"],
    [3, 4, "threshold cannot be larger than shares"],
    [2.5, 2, "secret_shares must be an integer"],
  ];
  for (const [shares, threshold, message] of cases) {
    t.throws(() => validateShareCounts(shares, threshold), { status: 400, message }, `${shares}/${threshold}`);
  }
  for (const [shares, threshold] of [
    [1, 1],
    [5, 3],
    [255, 255],
    [2, 2],
  ] as const) {
    t.doesNotThrow(() => validateShareCounts(shares, threshold), `${shares}/${threshold} is valid`);
  }
  const { seal, backend } = newSeal();
  await t.rejects(seal.initialize({ secretShares: 3, secretThreshold: 1 }), {
    status: 400,
    message: "threshold must be greater than one for multiple shares",
  });
  await t.rejects(seal.initialize({}), { message: "shares must be at least one" }, "missing counts are 0, as Vault");
  await t.rejects(seal.initialize({ secretShares: 1, secretThreshold: 1, recoveryShares: 3 }), {
    status: 400,
    message: "parameters recovery_shares not applicable to seal type shamir",
  });
  t.equal(await backend.get(sealConfigPath), undefined, "nothing stored by a refused init");
});

t.test("initialize stores Vault's seal config and the wrapped root key, and returns the shares", async (t) => {
  const { seal, barrier, backend } = newSeal();
  t.same(await seal.status(), {
    type: "shamir",
    initialized: false,
    sealed: true,
    threshold: 0,
    shares: 0,
    progress: 0,
    nonce: "",
    recoverySeal: false,
  });
  const result = await seal.initialize({ secretShares: 5, secretThreshold: 3 });
  t.equal(result.keys.length, 5);
  t.equal(new Set(result.keys).size, 5, "distinct shares");
  t.ok(
    result.keys.every((key) => /^[0-9a-f]{66}$/.test(key)),
    "hex shares of 33 bytes",
  );
  t.same(result.keysBase64, result.keys.map(hexToBase64), "keys_base64 encodes the same shares");
  t.same(result.recoveryKeys, []);
  t.equal(await seal.isInitialized(), true);
  t.equal(barrier.sealed(), false, "init leaves the barrier unsealed for the core's setup");
  t.same(JSON.parse(text(await backend.get(sealConfigPath)) ?? ""), {
    type: "shamir",
    secret_shares: 5,
    secret_threshold: 3,
    pgp_keys: null,
    nonce: "",
    backup: false,
    stored_shares: 1,
  });
  t.ok(await backend.get(storedBarrierKeysPath), "the wrapped root key is stored");
  await t.rejects(seal.initialize({ secretShares: 1, secretThreshold: 1 }), {
    status: 400,
    message: "Vault is already initialized",
  });
});

t.test("unseal: progress over distinct shares, hex or base64, then unsealed", async (t) => {
  const { seal, barrier } = newSeal();
  const { keys } = await seal.initialize({ secretShares: 5, secretThreshold: 3 });
  await barrier.put("logical/app/db", bytes("pa55"));
  seal.seal();
  t.equal(barrier.sealed(), true);
  await t.rejects(barrier.get("logical/app/db"), { code: "sealed", status: 503 });

  const first = await seal.submit(keys[4] as string);
  t.match(first, { sealed: true, threshold: 3, shares: 5, progress: 1 });
  t.match(first.nonce, /^[0-9a-f-]{36}$/, "an attempt has a nonce");
  const second = await seal.submit(hexToBase64(keys[1] as string));
  t.match(second, { sealed: true, progress: 2, nonce: first.nonce }, "base64 accepted; same attempt");
  t.match(
    await seal.submit(keys[1] as string),
    { sealed: true, progress: 2 },
    "a repeated share is ignored, as Vault does",
  );
  t.equal((await seal.status()).progress, 2, "a duplicate changes nothing");
  const done = await seal.submit(Buffer.from(keys[2] as string, "hex"));
  t.match(done, { sealed: false, progress: 0, nonce: "" });
  t.equal(text(await barrier.get("logical/app/db")), "pa55");
  t.match(await seal.submit(keys[0] as string), { sealed: false }, "a share while unsealed is ignored");
});

t.test("wrong shares after the threshold: clear 400, still sealed, progress reset", async (t) => {
  const { seal, barrier } = newSeal();
  const { keys } = await seal.initialize({ secretShares: 3, secretThreshold: 2 });
  seal.seal();
  const other = await newSeal().seal.initialize({ secretShares: 3, secretThreshold: 2 });
  await seal.submit(keys[0] as string);
  await t.rejects(seal.submit(other.keys[1] as string), { status: 400, message: "Unseal failed, invalid key" });
  t.match(await seal.status(), { sealed: true, progress: 0, nonce: "" });
  t.equal(barrier.sealed(), true);

  const tampered = Buffer.from(keys[1] as string, "hex");
  tampered[0] = (tampered[0] as number) ^ 0xff;
  await seal.submit(keys[0] as string);
  await t.rejects(seal.submit(tampered), { message: "Unseal failed, invalid key" }, "one altered byte");
  const sameX = Buffer.from(keys[1] as string, "hex");
  sameX[32] = Buffer.from(keys[0] as string, "hex")[32] as number;
  await seal.submit(keys[0] as string);
  await t.rejects(seal.submit(sameX), { status: 400, message: /^invalid key: / }, "two shares with one x coordinate");
  const short = randomBytes(32);
  await seal.submit(keys[0] as string);
  await t.rejects(seal.submit(short), { code: "invalid_request", status: 400 }, "parts of different lengths");
  t.equal(barrier.sealed(), true);

  await seal.submit(keys[2] as string);
  t.match(await seal.submit(keys[0] as string), { sealed: false }, "the right shares still unseal");
});

t.test("malformed keys are 400s that change nothing", async (t) => {
  const { seal } = newSeal();
  await t.rejects(seal.submit(randomBytes(33).toString("hex")), {
    status: 400,
    message: "Vault is not initialized",
  });
  const { keys } = await seal.initialize({ secretShares: 3, secretThreshold: 2 });
  seal.seal();
  await seal.submit(keys[0] as string);
  await t.rejects(seal.submit("not hex, not base64!"), {
    status: 400,
    message: "'key' must be a valid hex or base64 string",
  });
  await t.rejects(seal.submit("asdf"), { message: "invalid key: key is shorter than minimum 16 bytes" });
  await t.rejects(seal.submit(randomBytes(40).toString("base64")), {
    message: "invalid key: key is longer than maximum 33 bytes",
  });
  t.equal((await seal.status()).progress, 1, "progress kept");
  seal.reset();
  t.match(await seal.status(), { progress: 0, nonce: "", sealed: true }, "reset forgets the shares");
});

t.test("one share: the share is the unseal key itself", async (t) => {
  const { seal, barrier, backend } = newSeal();
  const { keys, keysBase64 } = await seal.initialize({ secretShares: 1, secretThreshold: 1 });
  t.match(keys[0], /^[0-9a-f]{64}$/, "32 bytes, no share byte");
  seal.seal();
  await t.rejects(seal.submit(randomBytes(32).toString("hex")), { message: "Unseal failed, invalid key" });
  t.equal(barrier.sealed(), true);
  t.match(await seal.submit(keysBase64[0] as string), { sealed: false, threshold: 1, shares: 1 });
  const stored = (await backend.get(storedBarrierKeysPath)) as Uint8Array;
  const rootKey = decryptValue({
    key: Buffer.from(keys[0] as string, "hex"),
    path: storedBarrierKeysPath,
    ciphertext: stored,
  });
  t.equal(rootKey.byteLength, 32, "the unseal key opens the stored root key");
});

t.test("progress is lost on restart; the same shares unseal the restarted node", async (t) => {
  const backend = new InmemBackend();
  const before = newSeal(backend);
  const { keys } = await before.seal.initialize({ secretShares: 5, secretThreshold: 3 });
  await before.barrier.put("logical/kv/x", bytes("kept"));
  before.seal.seal();
  await before.seal.submit(keys[0] as string);

  const after = newSeal(backend);
  t.same(await after.seal.status(), {
    type: "shamir",
    initialized: true,
    sealed: true,
    threshold: 3,
    shares: 5,
    progress: 0,
    nonce: "",
    recoverySeal: false,
  });
  for (const key of keys.slice(2)) await after.seal.submit(key);
  t.equal(text(await after.barrier.get("logical/kv/x")), "kept");
});

t.test("concurrent submissions complete one attempt exactly once", async (t) => {
  const { seal } = newSeal();
  const { keys } = await seal.initialize({ secretShares: 5, secretThreshold: 3 });
  seal.seal();
  const results = await Promise.all(keys.map((key) => seal.submit(key)));
  t.same(
    results.map((status) => status.progress),
    [1, 2, 0, 0, 0],
  );
  t.equal(results[4]?.sealed, false);
});

t.test("a corrupt stored seal config is a typed 500", async (t) => {
  const { seal, backend } = newSeal();
  await backend.put(sealConfigPath, bytes("{not json"));
  await t.rejects(seal.status(), { code: "internal", message: /seal configuration is corrupt/ });
  await backend.put(sealConfigPath, bytes('{"type":"shamir","secret_shares":2,"secret_threshold":5}'));
  await t.rejects(seal.isInitialized(), { code: "internal" });
});

t.test("a LevelDB data directory holds no unseal key, share, root key or stored value", async (t) => {
  const directory = mkdtempSync(join(tmpdir(), "coffer-seal-grep-"));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const backend = await LevelDbBackend.open({ path: directory });
  const { seal, barrier } = newSeal(backend);
  const { keys } = await seal.initialize({ secretShares: 3, secretThreshold: 2 });
  const secret = `value-${randomBytes(16).toString("hex")}`;
  await barrier.put("logical/kv/secret", bytes(secret));
  const shares = keys.map((key) => Buffer.from(key, "hex"));
  const unsealKey = Buffer.from(await combineKeyShares(shares.slice(0, 2)));
  const stored = (await backend.get(storedBarrierKeysPath)) as Uint8Array;
  const rootKey = decryptValue({ key: unsealKey, path: storedBarrierKeysPath, ciphertext: stored });
  seal.seal();
  await backend.close();

  const files = readdirSync(directory, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  const contents = Buffer.concat(files.map((entry) => readFileSync(join(entry.parentPath, entry.name))));
  t.ok(contents.includes('"secret_threshold":2'), "the scan sees the plaintext seal config");
  t.notOk(contents.includes(secret), "stored value");
  for (const [name, value] of [
    ["unseal key", unsealKey],
    ["root key", rootKey],
    ...shares.map((share, index) => [`share ${index}`, share] as const),
  ] as const) {
    for (const form of [value, Buffer.from(value.toString("hex")), Buffer.from(value.toString("base64"))]) {
      t.notOk(contents.includes(form), `${name} not found`);
    }
  }
});
