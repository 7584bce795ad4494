import { randomBytes } from "node:crypto";
import fc from "fast-check";
import t from "tap";
import {
  BarrierDecryptError,
  decryptValue,
  encryptValue,
  envelopeOverheadBytes,
  envelopeVersion,
  readTerm,
} from "./envelope.js";
import { Keyring } from "./keyring.js";

// fast-check prints the seed and counterexample of a failing run; replay with { seed, path }.
const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const path = fc.string({ minLength: 1, maxLength: 80, unit: "grapheme" });
const plaintext = fc.uint8Array({ maxLength: 2048 });
const term = fc.integer({ min: 0, max: 0xffff_ffff });

t.test("encrypt then decrypt gives the plaintext back, with the documented layout", async (t) => {
  fc.assert(
    fc.property(key, term, path, plaintext, (key, term, path, plaintext) => {
      const ciphertext = encryptValue({ key, term, path, plaintext });
      if (ciphertext.byteLength !== plaintext.byteLength + envelopeOverheadBytes) return false;
      if (readTerm(ciphertext, path) !== term || ciphertext[4] !== envelopeVersion) return false;
      return Buffer.from(decryptValue({ key, path, ciphertext })).equals(Buffer.from(plaintext));
    }),
  );
  t.pass("round trips hold");
});

t.test("the same plaintext encrypts differently each time (random nonce)", async (t) => {
  const fixedKey = randomBytes(32);
  const first = encryptValue({ key: fixedKey, term: 1, path: "p", plaintext: Buffer.from("same") });
  const second = encryptValue({ key: fixedKey, term: 1, path: "p", plaintext: Buffer.from("same") });
  t.not(Buffer.from(first).toString("hex"), Buffer.from(second).toString("hex"));
});

t.test("altering any single byte fails authentication with a typed error", async (t) => {
  fc.assert(
    fc.property(key, path, plaintext, fc.nat(), fc.integer({ min: 1, max: 255 }), (key, path, plain, at, flip) => {
      const ciphertext = encryptValue({ key, term: 7, path, plaintext: plain });
      const index = at % ciphertext.byteLength;
      ciphertext[index] = (ciphertext[index] as number) ^ flip;
      try {
        decryptValue({ key, path, ciphertext });
        return false;
      } catch (error) {
        return error instanceof BarrierDecryptError && error.status === 500;
      }
    }),
  );
  t.pass("every flipped byte is detected");
});

t.test("another path, another key, or a truncated value fails with the reason named", async (t) => {
  fc.assert(
    fc.property(key, key, path, path, plaintext, (keyA, keyB, pathA, pathB, plain) => {
      fc.pre(pathA !== pathB && !Buffer.from(keyA).equals(Buffer.from(keyB)));
      const ciphertext = encryptValue({ key: keyA, term: 1, path: pathA, plaintext: plain });
      const reasonOf = (run: () => unknown): string | undefined => {
        try {
          run();
          return undefined;
        } catch (error) {
          return error instanceof BarrierDecryptError ? error.reason : "untyped";
        }
      };
      return (
        reasonOf(() => decryptValue({ key: keyA, path: pathB, ciphertext })) === "authentication_failed" &&
        reasonOf(() => decryptValue({ key: keyB, path: pathA, ciphertext })) === "authentication_failed" &&
        reasonOf(() => decryptValue({ key: keyA.subarray(1), path: pathA, ciphertext })) === "authentication_failed" &&
        reasonOf(() => decryptValue({ key: keyA, path: pathA, ciphertext: ciphertext.subarray(0, 20) })) === "truncated"
      );
    }),
  );
  t.pass("each failure is typed");
});

t.test("a value of another format version is refused as unsupported", async (t) => {
  const fixedKey = randomBytes(32);
  const ciphertext = encryptValue({ key: fixedKey, term: 1, path: "p", plaintext: Buffer.from("x") });
  ciphertext[4] = 1;
  t.throws(() => decryptValue({ key: fixedKey, path: "p", ciphertext }), {
    name: "CofferError",
    reason: "unsupported_version",
  });
});

t.test("the keyring's stored form round trips and refuses corruption", async (t) => {
  const keyring = Keyring.create(randomBytes(32), 1_700_000_000_000).withNewTerm(randomBytes(32), 1_700_000_100_000);
  const active = keyring.active;
  active.encryptions = 42;
  const decoded = Keyring.decode(keyring.encode());
  t.equal(decoded.activeTerm, 2);
  t.equal(decoded.active.encryptions, 42);
  t.equal(decoded.active.installTimeMs, 1_700_000_100_000);
  t.ok(decoded.termKey(1)?.key.equals(keyring.termKey(1)?.key ?? Buffer.alloc(0)), "term 1's key survives");
  const encoded = keyring.encode();
  t.throws(() => Keyring.decode(encoded.subarray(0, encoded.length - 1)), { code: "internal" }, "short");
  const reordered = Buffer.from(encoded);
  reordered.writeUInt32BE(5, 13);
  t.throws(() => Keyring.decode(reordered), /corrupt/, "first term after the second");
  const wrongActive = Buffer.from(encoded);
  wrongActive.writeUInt32BE(1, 5);
  t.throws(() => Keyring.decode(wrongActive), /active term/);
  keyring.wipe();
  t.ok(active.key.equals(Buffer.alloc(32)), "wipe zeroes the key buffers");
});
