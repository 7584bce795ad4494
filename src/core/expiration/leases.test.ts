/**
 * Leases end to end through the pipeline with a ManualClock: a small secrets
 * engine (written with the framework, as real ones are) hands out leased
 * credentials and records revocations; its revocations can be made to fail.
 * Covers registration and layout, lookup/renew/revoke endpoints, expiry,
 * retry with backoff and irrevocable leases, restore after a restart,
 * revoke-prefix, unmount, token revocation, num_uses and tidy.
 */
import t from "tap";
import { factory as cubbyholeFactory } from "../../engines/cubbyhole/index.js";
import { definePath, FrameworkBackend } from "../../framework/index.js";
import { internalError } from "../../lib/index.js";
import type { BackendFactory, Response, Secret } from "../../logical/index.js";
import { InmemBackend } from "../../physical/index.js";
import type { HandledRequest } from "../facade.js";
import type { BackendRegistry } from "../mounts/index.js";
import { CoreHarness, type CoreHarnessOptions } from "../testing.js";
import type { RetryPolicy } from "./timers.js";

interface LeaserState {
  readonly revoked: string[];
  /** Revocations to fail before succeeding again. */
  failRevokes: number;
  revokeAttempts: number;
}

/** A secrets engine issuing credentials with a lease (`ttl` and `renewable` chosen by the reader). */
function leaserFactory(state: LeaserState): BackendFactory {
  return async () =>
    new FrameworkBackend({
      type: "leaser",
      help: "Leased test credentials.",
      paths: [
        definePath({
          pattern: "creds/(?<name>\\w+)",
          fields: {
            name: { type: "string", description: "Who the credential is for." },
            ttl: { type: "int", description: "TTL asked for.", default: 60 },
            renewable: { type: "bool", description: "Renewable?", default: true },
          },
          operations: {
            read: async (_request, data): Promise<Response> => ({
              data: { username: `u-${data.get("name")}`, password: "p4ss-value-xyz" },
              secret: {
                ttlSeconds: data.get("ttl"),
                maxTtlSeconds: 0,
                renewable: data.get("renewable"),
                internalData: { secret_type: "cred", name: data.get("name") },
              },
            }),
          },
          helpSynopsis: "Issue a credential.",
        }),
      ],
      secretTypes: [
        {
          type: "cred",
          renew: async (request) => ({ secret: { ...(request.secret as Secret), ttlSeconds: 60 } }),
          revoke: async (request) => {
            state.revokeAttempts += 1;
            if (state.failRevokes > 0) {
              state.failRevokes -= 1;
              throw internalError("database unreachable");
            }
            state.revoked.push(String(request.secret?.internalData.name));
            return undefined;
          },
        },
      ],
    });
}

function newState(): LeaserState {
  return { revoked: [], failRevokes: 0, revokeAttempts: 0 };
}

function registry(state: LeaserState): BackendRegistry {
  return {
    engines: new Map<string, BackendFactory>([
      ["leaser", leaserFactory(state)],
      ["cubbyhole", cubbyholeFactory],
    ]),
    authMethods: new Map(),
  };
}

async function start(state: LeaserState, options: Partial<CoreHarnessOptions> = {}) {
  const h = await CoreHarness.start({ backend: new InmemBackend(), registry: registry(state), ...options });
  const root = await h.rootToken();
  await h.write("sys/mounts/db", root, { type: "leaser" });
  return { h, root };
}

function secretOf(handled: HandledRequest): Secret {
  const secret = handled.response?.secret;
  if (!secret) throw new Error(`no secret in ${JSON.stringify(handled.response)}`);
  return secret;
}

async function issue(h: CoreHarness, token: string, name: string, ttl = 60, renewable = true): Promise<Secret> {
  return secretOf(await h.read(`db/creds/${name}`, token, { ttl, renewable }));
}

function dataOf(handled: HandledRequest): Record<string, unknown> {
  return handled.response?.data ?? {};
}

const deterministicRetry: RetryPolicy = { baseDelayMs: 10_000, maxDelayMs: 600_000, attemptsMax: 3, random: () => 0 };

t.test(
  "a secret's lease: id, storage layout, lookup, renew, and revocation at expiry through its backend",
  async (t) => {
    const state = newState();
    const { h, root } = await start(state);
    const secret = await issue(h, root, "alice", 30);
    t.match(secret.leaseId, /^db\/creds\/alice\/[A-Za-z0-9]{24}$/, "<mount><path>/<24 base62>");
    t.equal(secret.ttlSeconds, 30);
    const leaseId = secret.leaseId as string;
    const keys = (await h.plaintextEntries()).map((entry) => entry.key);
    t.ok(keys.includes(`sys/expire/id/${leaseId}`), "the lease is under sys/expire/id/");
    const rootSalted = h.active.tokens.saltId(root);
    t.ok(
      keys.some((key) => key.startsWith(`sys/expire/token/${rootSalted}/`)),
      "indexed under the salted token",
    );

    const lookup = dataOf(await h.write("sys/leases/lookup", root, { lease_id: leaseId }));
    t.match(lookup, { id: leaseId, ttl: 30, renewable: true, last_renewal: null, expire_time: /Z$/ });
    await t.rejects(h.write("sys/leases/lookup", root, {}), { status: 400, message: "lease_id must be specified" });
    await t.rejects(h.write("sys/leases/lookup", root, { lease_id: "db/creds/nope/x" }), { message: "invalid lease" });
    const listed = dataOf(await h.list("sys/leases/lookup/db/creds/alice", root)).keys as string[];
    t.same(listed, [leaseId.split("/").pop()]);

    await h.advance(10_000);
    const renewed = await h.write("sys/leases/renew", root, { lease_id: leaseId, increment: 120 });
    t.equal(secretOf(renewed).ttlSeconds, 120);
    t.equal(secretOf(renewed).leaseId, leaseId);
    t.match(dataOf(await h.write("sys/leases/lookup", root, { lease_id: leaseId })), { ttl: 120, last_renewal: /Z$/ });
    const legacy = await h.write(`sys/renew/${leaseId}`, root, { increment: 60 });
    t.equal(secretOf(legacy).ttlSeconds, 60, "sys/renew/:lease_id (legacy) works too");
    await t.rejects(h.write("sys/leases/renew", root, { lease_id: "db/creds/nope/x" }), { message: "lease not found" });

    await h.advance(59_000);
    t.same(state.revoked, [], "not yet");
    await h.advance(1_000);
    t.same(state.revoked, ["alice"], "revoked through the backend at expiry");
    await t.rejects(h.write("sys/leases/lookup", root, { lease_id: leaseId }), { message: "invalid lease" });
    t.equal(h.active.expiration.leaseCount, 0);

    const fixed = await issue(h, root, "bob", 30, false);
    await t.rejects(h.write("sys/leases/renew", root, { lease_id: fixed.leaseId }), {
      status: 400,
      message: "lease is not renewable",
    });
    await h.write("sys/mounts/db/tune", root, { max_lease_ttl: "100s" });
    const capped = await h.read("db/creds/carol", root, { ttl: 1000 });
    t.equal(secretOf(capped).ttlSeconds, 100, "capped by the mount's max");
    t.match(capped.response?.warnings, [/exceeded the effective max_ttl of "1m40s"/]);
    const tokenLease = await h.write("auth/token/create", root, { ttl: "1h" });
    const tokenLeaseId = (await h.list("sys/leases/lookup/auth/token/create", root)).response?.data?.keys as string[];
    t.equal(tokenLeaseId.length, 1);
    t.ok(tokenLease.response?.auth);
    await t.rejects(h.write("sys/leases/renew", root, { lease_id: `auth/token/create/${tokenLeaseId[0]}` }), {
      message: "tokens cannot be renewed through this endpoint",
    });
  },
);

t.test("failed revocations are retried with backoff, reported, then irrevocable until forced", async (t) => {
  const state = newState();
  const { h, root } = await start(state, { retry: deterministicRetry });
  const leaseId = (await issue(h, root, "dave", 10)).leaseId as string;
  state.failRevokes = 100;
  await h.advance(10_000);
  t.equal(state.revokeAttempts, 1, "first attempt at expiry");
  t.match(dataOf(await h.write("sys/leases/lookup", root, { lease_id: leaseId })), {
    revoke_error: "database unreachable",
    renewable: false,
  });
  t.ok(
    h.logger.records.some((record) => record.message === "failed to revoke lease; will retry"),
    "logged",
  );
  const nextMs = h.active.expiration.nextDueMs(leaseId);
  t.equal(nextMs, h.clock.nowMs() + 10_000, "retry 1 after 2^1 × 10 s − 50%");
  await h.advance(9_999);
  t.equal(state.revokeAttempts, 1, "not before the backoff");
  await h.advance(1);
  t.equal(state.revokeAttempts, 2);
  await h.advance(20_000);
  t.equal(state.revokeAttempts, 3, "retry 2 after 2^2 × 10 s − 50%");
  t.equal(h.active.expiration.nextDueMs(leaseId), undefined, "attempts exhausted: no more retries");
  t.equal(h.active.expiration.irrevocableCount, 1);
  t.ok(h.logger.records.some((record) => /marked irrevocable/.test(record.message)));
  await h.advance(3_600_000);
  t.equal(state.revokeAttempts, 3, "an irrevocable lease is left alone");
  const listed = dataOf(await h.read("sys/leases", root, { type: "irrevocable" }));
  t.match(listed, { lease_count: 1, leases: [{ lease_id: leaseId, error: "database unreachable" }] });
  t.match(dataOf(await h.read("sys/leases/count", root, { type: "irrevocable" })), { lease_count: 1 });
  await t.rejects(h.write("sys/leases/revoke", root, { lease_id: leaseId }), {
    status: 400,
    message: "failed to revoke entry: database unreachable",
  });
  t.equal((await h.write("sys/leases/revoke-force/db/", root)).response, undefined, "204");
  await t.rejects(h.write("sys/leases/lookup", root, { lease_id: leaseId }), { message: "invalid lease" });
  t.equal(h.active.expiration.irrevocableCount, 0);

  state.failRevokes = 1;
  state.revokeAttempts = 0;
  await issue(h, root, "erin", 10);
  await h.advance(10_000);
  await h.advance(10_000);
  t.equal(state.revokeAttempts, 2, "one failure, then the retry succeeds");
  t.same(state.revoked, ["erin"]);
});

t.test("restart: leases are restored; one that expired while down is revoked at once", async (t) => {
  const state = newState();
  const { h, root } = await start(state);
  await issue(h, root, "short", 30);
  await issue(h, root, "long", 300);
  const token = (await h.write("auth/token/create", root, { ttl: 60 })).response?.auth?.clientToken as string;
  await h.stop();
  h.clock.advanceMs(120_000);
  const restarted = await h.restart();
  t.equal(restarted.active.expiration.leaseCount, 3, "every lease restored from storage");
  t.same(state.revoked, [], "nothing revoked while down");
  await restarted.active.expiration.runDue();
  t.same(state.revoked, ["short"], "the expired secret is revoked right away");
  await t.rejects(restarted.read("auth/token/lookup-self", token), { status: 403, message: "permission denied" });
  t.equal(await restarted.active.tokens.loadSalted(restarted.active.tokens.saltId(token)), undefined, "token revoked");
  await restarted.advance(180_000);
  t.same(state.revoked, ["short", "long"], "the live one keeps its own expiry");
});

t.test("revoke, revoke-prefix (sync and queued), token revocation, num_uses, unmount and tidy", async (t) => {
  const state = newState();
  const { h, root } = await start(state);
  const one = (await issue(h, root, "one")).leaseId as string;
  t.equal((await h.write("sys/leases/revoke", root, { lease_id: one })).response, undefined, "204");
  t.same(state.revoked, ["one"]);
  t.equal((await h.write("sys/leases/revoke", root, { lease_id: one })).response, undefined, "missing: still 204");
  await issue(h, root, "two");
  await h.write("sys/revoke-prefix/db/creds/two", root);
  t.same(state.revoked, ["one", "two"], "legacy sys/revoke-prefix");
  await issue(h, root, "three");
  const queued = await h.write("sys/leases/revoke-prefix/db/creds", root, { sync: false });
  t.equal(queued.response?.statusCode, 202);
  t.same(state.revoked, ["one", "two"], "queued, not done yet");
  await h.active.expiration.runDue();
  t.same(state.revoked, ["one", "two", "three"]);
  const lazy = (await issue(h, root, "four")).leaseId as string;
  t.equal((await h.write(`sys/leases/revoke/${lazy}`, root, { sync: false })).response?.statusCode, 202);
  await h.active.expiration.runDue();
  t.same(state.revoked.at(-1), "four");

  const holder = (await h.write("auth/token/create", root, {})).response?.auth?.clientToken as string;
  await issue(h, holder, "held");
  await h.write("auth/token/revoke", root, { token: holder });
  t.same(state.revoked.at(-1), "held", "revoking a token revokes its secrets");

  const once = (await h.write("auth/token/create", root, { num_uses: 1 })).response?.auth?.clientToken as string;
  await t.rejects(h.read("db/creds/lastuse", once), {
    status: 400,
    message: "Secret cannot be returned; token had one use left, so leased credentials were immediately revoked.",
  });
  t.same(state.revoked.at(-1), "lastuse");

  const crashed = (await h.write("auth/token/create", root, {})).response?.auth?.clientToken as string;
  await issue(h, crashed, "stranded");
  const raw = await h.rawBarrier();
  await raw.delete(`sys/token/id/${h.active.tokens.saltId(crashed)}`);
  const tidy = await h.write("sys/leases/tidy", root);
  t.equal(tidy.response?.statusCode, 202);
  t.match(tidy.response?.warnings, [/Tidy operation successfully started/]);
  while (!h.logger.records.some((record) => record.message === "lease tidy finished")) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  await h.active.expiration.runDue();
  t.same(state.revoked.at(-1), "stranded", "tidy revokes secrets of tokens that are gone");

  await issue(h, root, "mountedA");
  await issue(h, root, "mountedB");
  await h.send("delete", "sys/mounts/db", { token: root });
  t.same(state.revoked.slice(-2).sort(), ["mountedA", "mountedB"], "unmounting revokes the mount's leases");
  t.equal(h.active.expiration.leaseCount, 0);
});
