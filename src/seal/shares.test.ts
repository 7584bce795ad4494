import fc from "fast-check";
import t from "tap";
import { AesGcmBarrier } from "../barrier/index.js";
import { InmemBackend } from "../physical/index.js";
import { ShamirSeal } from "./shamir.js";
import { combineKeyShares, decodeKeyShare, splitUnsealKey } from "./shares.js";

// fast-check prints the seed and counterexample of a failing run; replay with { seed, path }.
const counts = fc
  .integer({ min: 1, max: 20 })
  .chain((shares) =>
    fc.tuple(fc.constant(shares), shares === 1 ? fc.constant(1) : fc.integer({ min: 2, max: shares })),
  );

t.test("split then combine of any threshold-sized subset gives the key back; fewer do not", async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      counts,
      fc.infiniteStream(fc.nat()),
      async (key, [shares, threshold], randomness) => {
        const parts = await splitUnsealKey(key, shares, threshold);
        if (parts.length !== shares) return false;
        // A random subset of `threshold` distinct parts, in random order.
        const pool = [...parts];
        const chosen: Uint8Array[] = [];
        const draws = randomness[Symbol.iterator]();
        while (chosen.length < threshold) {
          const index = (draws.next().value as number) % pool.length;
          chosen.push(pool.splice(index, 1)[0] as Uint8Array);
        }
        const rebuilt = await combineKeyShares(chosen);
        if (!Buffer.from(rebuilt).equals(Buffer.from(key))) return false;
        if (threshold < 3) return true;
        // Below the threshold the library still returns bytes: wrong ones, which is why the seal verifies.
        const tooFew = await combineKeyShares(chosen.slice(1));
        return !Buffer.from(tooFew).equals(Buffer.from(key));
      },
    ),
    { numRuns: 200 },
  );
  t.pass("round trips hold for random keys, counts and subsets");
});

t.test("the seal unseals with any threshold of its shares and refuses a set with one foreign share", async (t) => {
  await fc.assert(
    fc.asyncProperty(counts, fc.nat(), fc.boolean(), async ([shares, threshold], rotation, asBase64) => {
      const barrier = new AesGcmBarrier({ backend: new InmemBackend() });
      const seal = new ShamirSeal({ barrier });
      const { keys, keysBase64 } = await seal.initialize({ secretShares: shares, secretThreshold: threshold });
      seal.seal();
      const encoded = asBase64 ? keysBase64 : keys;
      const start = rotation % shares;
      const chosen = [...encoded.slice(start), ...encoded.slice(0, start)].slice(0, threshold);
      const foreign = await new ShamirSeal({ barrier: new AesGcmBarrier({ backend: new InmemBackend() }) }).initialize({
        secretShares: shares,
        secretThreshold: threshold,
      });
      for (const key of chosen.slice(0, -1)) await seal.submit(key);
      const refused = await seal.submit(foreign.keys[start] as string).then(
        () => false,
        (error: { message?: string }) =>
          error.message === "Unseal failed, invalid key" || /^invalid key/.test(`${error.message}`),
      );
      if (!refused || !barrier.sealed() || (await seal.status()).progress !== 0) return false;
      for (const key of chosen) await seal.submit(key);
      return !barrier.sealed();
    }),
    { numRuns: 40 },
  );
  t.pass("threshold subsets unseal; a foreign share never does");
});

t.test("share text decodes as hex first, then base64", async (t) => {
  const share = Buffer.alloc(33, 0xab);
  t.same(Buffer.from(decodeKeyShare(share.toString("hex"))), share);
  t.same(Buffer.from(decodeKeyShare(share.toString("base64"))), share);
  const hexLooking = "00112233445566778899aabbccddeeff";
  t.equal(decodeKeyShare(hexLooking).byteLength, 16, "valid hex of a key length is hex");
  t.equal(decodeKeyShare("abcd").byteLength, 3, "too short for hex, read as base64 (as Vault)");
  t.throws(() => decodeKeyShare("abc"), { status: 400, message: "'key' must be a valid hex or base64 string" });
  t.throws(() => decodeKeyShare("ab=cd==="), { code: "invalid_request", status: 400 });
});
