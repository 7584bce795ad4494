/**
 * The auth/token/ backend through the real pipeline (ACL, use counts,
 * finisher) on a real barrier, with a ManualClock: token shapes, create
 * rules and messages, lookup shape, num_uses, revocation trees, renewal
 * caps, expiry, roles, accessors, tidy, logging without tokens.
 */
import t from "tap";
import { factory as cubbyholeFactory } from "../../engines/cubbyhole/index.js";
import { factory as kvFactory } from "../../engines/kv/index.js";
import type { Auth, Response } from "../../logical/index.js";
import { InmemBackend } from "../../physical/index.js";
import type { HandledRequest } from "../facade.js";
import type { BackendRegistry } from "../mounts/index.js";
import { CoreHarness, type CoreHarnessOptions } from "../testing.js";
import { TokenStore } from "./index.js";

function registry(): BackendRegistry {
  return {
    engines: new Map([
      ["kv", kvFactory],
      ["cubbyhole", cubbyholeFactory],
    ]),
    authMethods: new Map(),
  };
}

async function start(options: Partial<CoreHarnessOptions> = {}): Promise<{ h: CoreHarness; root: string }> {
  const h = await CoreHarness.start({ backend: new InmemBackend(), registry: registry(), ...options });
  return { h, root: await h.rootToken() };
}

function authOf(handled: HandledRequest): Auth {
  const auth = handled.response?.auth;
  if (!auth) throw new Error(`no auth in ${JSON.stringify(handled.response)}`);
  return auth;
}

function dataOf(handled: HandledRequest): Record<string, unknown> {
  const data = handled.response?.data;
  if (!data) throw new Error(`no data in ${JSON.stringify(handled.response)}`);
  return data;
}

async function createToken(h: CoreHarness, parent: string, data: Record<string, unknown> = {}, path = "create") {
  return authOf(await h.write(`auth/token/${path}`, parent, data));
}

async function writePolicy(h: CoreHarness, root: string, name: string, policy: string): Promise<void> {
  await h.write(`sys/policies/acl/${name}`, root, { policy });
}

t.test("create: Vault's shapes, the auth block, and lookup's fields", async (t) => {
  const { h, root } = await start();
  const created = await h.write("auth/token/create", root, {
    policies: ["dev"],
    meta: { team: "a" },
    display_name: "My App!",
    ttl: "1h",
  });
  const auth = authOf(created);
  t.match(auth.clientToken, /^hvs\.[A-Za-z0-9]{24}$/, "hvs. + 24 base62");
  t.match(auth.accessor, /^[A-Za-z0-9]{24}$/, "24 base62 accessor");
  t.same(auth.policies, ["default", "dev"]);
  t.equal(auth.ttlSeconds, 3600);
  t.equal(auth.renewable, true);
  t.equal(auth.orphan, false);
  t.same(auth.metadata, { team: "a" });
  t.same(created.response?.warnings, ['Policy "dev" does not exist']);

  const lookup = dataOf(await h.write("auth/token/lookup", root, { token: auth.clientToken }));
  t.match(lookup, {
    id: auth.clientToken,
    accessor: auth.accessor,
    policies: ["default", "dev"],
    path: "auth/token/create",
    meta: { team: "a" },
    display_name: "token-My-App",
    num_uses: 0,
    orphan: false,
    creation_ttl: 3600,
    ttl: 3600,
    explicit_max_ttl: 0,
    entity_id: "",
    type: "service",
    renewable: true,
    expire_time: new Date(h.clock.nowMs() + 3600_000).toISOString().replace(".000Z", "Z"),
    creation_time: Math.floor(h.clock.nowMs() / 1000),
  });
  t.notOk("last_renewal_time" in lookup, "never renewed");
  const self = dataOf(await h.read("auth/token/lookup-self", auth.clientToken));
  t.equal(self.id, auth.clientToken, "lookup-self echoes the caller's token");
  const byQuery = dataOf(await h.read("auth/token/lookup", root, { token: auth.clientToken }));
  t.equal(byQuery.accessor, auth.accessor, "GET lookup takes the token as a query parameter");
  const byAccessor = dataOf(await h.write("auth/token/lookup-accessor", root, { accessor: auth.accessor }));
  t.equal(byAccessor.id, "", "lookup-accessor never shows the token");

  await t.rejects(h.write("auth/token/lookup", root, { token: "hvs.unknown" }), { status: 403, message: "bad token" });
  await t.rejects(h.write("auth/token/lookup-accessor", root, {}), { status: 400, message: "missing accessor" });
  await t.rejects(h.write("auth/token/lookup-accessor", root, { accessor: "nope" }), {
    status: 400,
    message: "invalid accessor",
  });
  const rootSelf = dataOf(await h.read("auth/token/lookup-self", root));
  t.match(rootSelf, { ttl: 0, expire_time: null, renewable: false, policies: ["root"], path: "auth/token/root" });
});

t.test("create: TTLs (mount default and max, explicit max, period) and root rules", async (t) => {
  const { h, root } = await start({ defaultLeaseTtlSeconds: 3600, maxLeaseTtlSeconds: 7200 });
  t.equal((await createToken(h, root, { policies: ["dev"] })).ttlSeconds, 3600, "no ttl: the mount default");
  const capped = await h.write("auth/token/create", root, { policies: ["dev"], ttl: "100h" });
  t.equal(authOf(capped).ttlSeconds, 7200, "capped by the mount max");
  t.match(capped.response?.warnings, [/TTL of "100h" exceeded the effective max_ttl of "2h"/]);
  t.equal((await createToken(h, root, { ttl: 1000, explicit_max_ttl: 100 })).ttlSeconds, 100, "explicit max caps");
  const rootChild = await createToken(h, root, {});
  t.same(rootChild.policies, ["root"], "no policies: the parent's");
  t.equal(rootChild.ttlSeconds, 0, "a root child without ttl never expires");
  t.equal(rootChild.renewable, false, "and is not renewable");
  const expiringRoot = await createToken(h, root, { ttl: "1h" });
  await t.rejects(h.write("auth/token/create", expiringRoot.clientToken, {}), {
    status: 400,
    message: "expiring root tokens cannot create non-expiring root tokens",
  });
  const periodic = await createToken(h, root, { policies: ["dev"], period: "10m" });
  t.equal(periodic.ttlSeconds, 600);
  t.equal(periodic.periodSeconds, 600);
  let renewedTtl = 0;
  for (let elapsed = 0; elapsed < 8000; elapsed += 500) {
    await h.advance(500_000);
    renewedTtl = authOf(await h.write("auth/token/renew-self", periodic.clientToken)).ttlSeconds;
  }
  t.equal(renewedTtl, 600, "a periodic token renews to its period, past the mount max");
  for (const [data, message] of [
    [{ type: "batch" }, /batch tokens are not supported by Coffer/],
    [{ type: "batch", num_uses: 3 }, 'batch tokens cannot have "num_uses" set'],
    [{ type: "nope" }, "invalid 'token_type' value"],
    [{ num_uses: -1 }, "number of uses cannot be negative"],
    [{ ttl: "-5s" }, "ttl must be positive"],
    [{ explicit_max_ttl: "-5s" }, "explicit_max_ttl must be positive"],
    [{ ttl: "soon" }, 'time: invalid duration "soon"'],
    [{ policies: ["response-wrapping"] }, 'cannot assign policy "response-wrapping"'],
    [{ id: "hvs.mine" }, "custom token ID cannot have the 'hvs.' prefix"],
    [{ id: "a.b" }, "custom token ID cannot have a '.' in the value"],
    [{ entity_alias: "x" }, "'entity_alias' is only allowed in combination with token role"],
  ] as const) {
    await t.rejects(h.write("auth/token/create", root, data), { status: 400, message }, JSON.stringify(data));
  }
  const custom = await createToken(h, root, { id: "my-custom-token", policies: ["dev"] });
  t.equal(custom.clientToken, "my-custom-token", "sudo may choose the id");
  await t.rejects(h.write("auth/token/create", root, { id: "my-custom-token" }), {
    message: "cannot create a token with a duplicate ID",
  });
});

t.test("a non-sudo parent: subset policies, no orphans, no ids, no periods, no root", async (t) => {
  const { h, root } = await start();
  await writePolicy(h, root, "creator", 'path "auth/token/create*" { capabilities = ["update"] }');
  await writePolicy(h, root, "sudoer", 'path "auth/token/create" { capabilities = ["update", "sudo"] }');
  const parent = await createToken(h, root, { policies: ["creator", "dev"] });
  const inherited = await createToken(h, parent.clientToken);
  t.same(inherited.policies, ["creator", "default", "dev"], "no policies asked: the parent's");
  t.same((await createToken(h, parent.clientToken, { policies: ["dev"] })).policies, ["default", "dev"]);
  for (const [data, message] of [
    [{ policies: ["ops"] }, "child policies must be subset of parent"],
    [{ no_parent: true }, "root or sudo privileges required to create orphan token"],
    [{ id: "mine" }, "root or sudo privileges required to specify token id"],
    [{ period: "1h" }, "root or sudo privileges required to create periodic token"],
  ] as const) {
    await t.rejects(h.write("auth/token/create", parent.clientToken, data), { status: 400, message });
  }
  const orphan = await createToken(h, parent.clientToken, {}, "create-orphan");
  t.equal(orphan.orphan, true, "create-orphan needs no sudo");
  const sudoer = await createToken(h, root, { policies: ["sudoer"] });
  await t.rejects(h.write("auth/token/create", sudoer.clientToken, { policies: ["root"] }), {
    message: "root tokens may not be created without parent token being root",
  });
  t.same((await createToken(h, sudoer.clientToken, { policies: ["ops"] })).policies, ["default", "ops"]);
  t.equal((await createToken(h, sudoer.clientToken, { no_parent: true })).orphan, true);
  await t.rejects(
    h.write("auth/token/accessors/", parent.clientToken),
    { status: 403, message: "permission denied" },
    "accessors needs sudo",
  );
});

t.test("num_uses: counts down, cannot create children, the last use revokes even on error", async (t) => {
  const { h, root } = await start();
  const twice = await createToken(h, root, { num_uses: 2 });
  t.equal(twice.numUses, 2);
  t.equal(dataOf(await h.read("auth/token/lookup-self", twice.clientToken)).num_uses, 1, "one use left");
  await h.read("auth/token/lookup-self", twice.clientToken);
  await t.rejects(
    h.read("auth/token/lookup-self", twice.clientToken),
    { status: 403, message: "permission denied" },
    "a third use is refused",
  );
  t.equal(await h.active.tokens.loadSalted(h.active.tokens.saltId(twice.clientToken)), undefined, "and it is gone");

  const limited = await createToken(h, root, { num_uses: 3 });
  await t.rejects(h.write("auth/token/create", limited.clientToken, {}), {
    status: 400,
    message: "restricted use token cannot generate child tokens",
  });
  const once = await createToken(h, root, { num_uses: 1 });
  await t.rejects(h.write("auth/token/lookup", once.clientToken, { token: "hvs.nope" }), { message: "bad token" });
  t.equal(
    await h.active.tokens.loadSalted(h.active.tokens.saltId(once.clientToken)),
    undefined,
    "revoked after a failed last use",
  );
});

t.test("revocation: the whole tree, orphaning, by accessor, self; leases and cubbyholes go too", async (t) => {
  const { h, root } = await start();
  const a = await createToken(h, root, { ttl: "1h" });
  const b = await createToken(h, a.clientToken, { ttl: "1h" });
  const c = await createToken(h, b.clientToken, { ttl: "1h" });
  const other = await createToken(h, root, { ttl: "1h" });
  await h.write("cubbyhole/secret", c.clientToken, { value: "c-private" });
  const cEntry = await h.active.tokens.lookupSalted(h.active.tokens.saltId(c.clientToken));
  t.ok(cEntry && (await h.active.expiration.tokenLease(cEntry)), "c has a lease");
  t.equal((await h.write("auth/token/revoke", root, { token: a.clientToken })).response, undefined, "204");
  for (const token of [a, b, c]) {
    await t.rejects(h.write("auth/token/lookup", root, { token: token.clientToken }), { message: "bad token" });
  }
  t.ok(await h.active.tokens.lookup(other.clientToken), "an unrelated token stays");
  t.equal(cEntry && (await h.active.expiration.tokenLease(cEntry)), undefined, "c's lease is gone");
  const leftovers = (await h.plaintextEntries()).filter((entry) => entry.value.includes("c-private"));
  t.same(leftovers, [], "c's cubbyhole is destroyed");

  const a2 = await createToken(h, root);
  const b2 = await createToken(h, a2.clientToken);
  const c2 = await createToken(h, b2.clientToken);
  await writePolicy(h, root, "revoker", 'path "auth/token/revoke-orphan" { capabilities = ["update"] }');
  const revoker = await createToken(h, root, { policies: ["revoker"] });
  await t.rejects(h.write("auth/token/revoke-orphan", revoker.clientToken, { token: a2.clientToken }), {
    status: 400,
    message: "root or sudo privileges required to revoke and orphan",
  });
  await h.write("auth/token/revoke-orphan", root, { token: a2.clientToken });
  await t.rejects(h.write("auth/token/lookup", root, { token: a2.clientToken }), { message: "bad token" });
  t.equal(
    dataOf(await h.write("auth/token/lookup", root, { token: b2.clientToken })).orphan,
    true,
    "b2 is an orphan now",
  );
  t.equal(
    dataOf(await h.write("auth/token/lookup", root, { token: c2.clientToken })).orphan,
    false,
    "c2 keeps its parent",
  );
  await t.rejects(h.write("auth/token/revoke-orphan", root, { token: a2.clientToken }), {
    message: "token to revoke not found",
  });
  await t.rejects(h.write("auth/token/revoke", root, {}), { message: "missing token ID" });
  t.equal((await h.write("auth/token/revoke", root, { token: "hvs.never" })).response, undefined, "unknown: 204");

  const byAccessor = await createToken(h, root);
  const unknown = await h.write("auth/token/revoke-accessor", root, { accessor: "nope" });
  t.same(unknown.response?.warnings, ["No token found with this accessor"]);
  await h.write("auth/token/revoke-accessor", root, { accessor: byAccessor.accessor });
  t.equal(await h.active.tokens.lookup(byAccessor.clientToken), undefined);
  const self = await createToken(h, root, { policies: ["default"] });
  await h.write("auth/token/revoke-self", self.clientToken);
  t.equal(await h.active.tokens.lookup(self.clientToken), undefined);
});

t.test("renewal: increments capped at issue + mount max; accessor renewals hide the token", async (t) => {
  const { h, root } = await start({ defaultLeaseTtlSeconds: 3600, maxLeaseTtlSeconds: 7200 });
  const token = await createToken(h, root, { policies: ["default"], ttl: "1h" });
  await h.advance(1800_000);
  const first = authOf(await h.write("auth/token/renew-self", token.clientToken, { increment: "1h" }));
  t.equal(first.ttlSeconds, 3600);
  t.equal(first.clientToken, token.clientToken);
  const looked = dataOf(await h.read("auth/token/lookup-self", token.clientToken));
  t.equal(looked.ttl, 3600);
  t.equal(looked.last_renewal_time, Math.floor(h.clock.nowMs() / 1000));
  await h.advance(3000_000);
  const capped = await h.write("auth/token/renew", root, { token: token.clientToken, increment: 3600 });
  t.equal(authOf(capped).ttlSeconds, 2400, "issue + 2h − now");
  t.match(capped.response?.warnings, [/exceeded the effective max_ttl of "40m"/]);
  const byAccessor = authOf(await h.write("auth/token/renew-accessor", root, { accessor: token.accessor }));
  t.equal(byAccessor.clientToken, "", "renew-accessor never returns the token");

  const fixed = await createToken(h, root, { policies: ["default"], ttl: "1h", renewable: false });
  await t.rejects(h.write("auth/token/renew-self", fixed.clientToken), {
    status: 400,
    message: "lease is not renewable",
  });
  await t.rejects(h.write("auth/token/renew-self", root), { status: 400, message: "lease is not renewable" });
  await t.rejects(h.write("auth/token/renew", root, { token: "hvs.nope" }), { message: "token not found" });
  await t.rejects(h.write("auth/token/renew", root, {}), { message: "missing token ID" });
  const bounded = await createToken(h, root, { policies: ["default"], ttl: 100, explicit_max_ttl: 200 });
  await h.advance(90_000);
  t.equal(authOf(await h.write("auth/token/renew-self", bounded.clientToken, { increment: 100 })).ttlSeconds, 100);
  await h.advance(90_000);
  const last = authOf(await h.write("auth/token/renew-self", bounded.clientToken, { increment: 100 }));
  t.equal(last.ttlSeconds, 20, "explicit_max_ttl caps renewals from issue");
});

t.test("expiry: an expired token is refused at once and revoked with its children when its lease fires", async (t) => {
  const { h, root } = await start();
  const parent = await createToken(h, root, { ttl: 60 });
  const child = await createToken(h, parent.clientToken, { ttl: "1h" });
  h.clock.advanceMs(61_000);
  await t.rejects(
    h.read("auth/token/lookup-self", parent.clientToken),
    { status: 403, message: "permission denied" },
    "expired: 403 before any timer",
  );
  const salted = h.active.tokens.saltId(parent.clientToken);
  t.ok(await h.active.tokens.loadSalted(salted), "still stored until the lease fires");
  await h.active.expiration.runDue();
  t.equal(await h.active.tokens.loadSalted(salted), undefined, "revoked at expiry");
  t.equal(await h.active.tokens.lookup(child.clientToken), undefined, "its child went with it");
  t.equal(h.active.expiration.leaseCount, 0, "no leases left");
});

t.test("roles: CRUD with Vault's read shape, and tokens created against a role", async (t) => {
  const { h, root } = await start();
  await h.write("auth/token/roles/app", root, {
    allowed_policies: "app,db",
    orphan: true,
    renewable: false,
    path_suffix: "v-1",
    token_num_uses: 5,
    token_explicit_max_ttl: "1h",
  });
  t.match(dataOf(await h.read("auth/token/roles/app", root)), {
    name: "app",
    allowed_policies: ["app", "db"],
    disallowed_policies: [],
    orphan: true,
    renewable: false,
    path_suffix: "v-1",
    token_num_uses: 5,
    token_explicit_max_ttl: 3600,
    explicit_max_ttl: 0,
    token_type: "default-service",
    token_period: 0,
  });
  t.same(dataOf(await h.list("auth/token/roles", root)).keys, ["app"]);
  const token = await createToken(h, root, { policies: ["app"], ttl: "2h" }, "create/app");
  t.same(token.policies, ["app", "default"]);
  t.equal(token.orphan, true);
  t.equal(token.numUses, 5);
  t.equal(token.renewable, false);
  t.equal(token.ttlSeconds, 3600, "the role's explicit max caps the ttl");
  t.equal(
    dataOf(await h.write("auth/token/lookup", root, { token: token.clientToken })).path,
    "auth/token/create/app/v-1",
  );
  await t.rejects(h.write("auth/token/create/app", root, { policies: ["ops"] }), {
    message: /must be subset of the role's allowed policies/,
  });
  await t.rejects(h.write("auth/token/create/ghost", root, {}), { status: 400, message: "unknown role ghost" });
  await t.rejects(h.write("auth/token/roles/bad", root, { token_type: "batch" }), {
    message: "'token_type' cannot be 'batch' when role is set to generate non-orphan tokens",
  });
  await t.rejects(h.write("auth/token/roles/bad", root, { path_suffix: "a b" }), {
    message: /contains invalid characters/,
  });
  await t.rejects(h.write("auth/token/roles/bad", root, { token_bound_cidrs: "not-a-cidr" }), {
    message: 'invalid CIDR "not-a-cidr"',
  });

  await h.write("auth/token/roles/periodic", root, { token_period: "10m" });
  const periodic = await createToken(h, root, { policies: ["dev"] }, "create/periodic");
  t.equal(periodic.ttlSeconds, 600);
  await h.advance(500_000);
  t.equal(
    authOf(await h.write("auth/token/renew-self", periodic.clientToken)).ttlSeconds,
    600,
    "renewal uses the role's period",
  );
  await h.send("delete", "auth/token/roles/app", { token: root });
  t.equal((await h.read("auth/token/roles/app", root)).response, undefined);
});

t.test("bound CIDRs: a token bound by its role works only from those networks", async (t) => {
  const { h, root } = await start();
  await h.write("auth/token/roles/local", root, { token_bound_cidrs: "10.0.0.0/8", allowed_policies: "default" });
  const bound = await createToken(h, root, {}, "create/local");
  await h.send("read", "auth/token/lookup-self", { token: bound.clientToken, remoteAddress: "10.1.2.3" });
  await t.rejects(
    h.send("read", "auth/token/lookup-self", { token: bound.clientToken, remoteAddress: "192.168.1.1" }),
    { status: 403, message: "permission denied" },
  );
});

t.test("accessors (sudo) and tidy of what a crash can leave behind", async (t) => {
  const { h, root } = await start();
  const parent = await createToken(h, root);
  const child = await createToken(h, parent.clientToken);
  const lost = await createToken(h, root, { policies: ["default"] });
  await h.write("cubbyhole/note", lost.clientToken, { text: "orphaned data" });
  const keys = dataOf(await h.list("auth/token/accessors", root)).keys as string[];
  t.ok(keys.includes(parent.accessor) && keys.includes(child.accessor));
  // A crash half-way through revocations: token entries gone, their indexes and cubbyholes left behind.
  const raw = await h.rawBarrier();
  await raw.delete(`sys/token/id/${h.active.tokens.saltId(parent.clientToken)}`);
  await raw.delete(`sys/token/id/${h.active.tokens.saltId(lost.clientToken)}`);
  const started = await h.write("auth/token/tidy", root);
  t.equal(started.response?.statusCode, 202);
  t.match(started.response?.warnings, [/Tidy operation successfully started/]);
  const again = await h.write("auth/token/tidy", root);
  t.same(again.response?.warnings, ["Tidy operation already in progress."]);
  while (!h.logger.records.some((record) => record.message === "finished tidy operation on tokens")) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  const report = h.logger.records.find((record) => record.message === "finished tidy operation on tokens")?.fields;
  t.match(report, { orphaned: 1, accessorsDeleted: 2, cubbyholesDestroyed: 1 });
  t.equal(dataOf(await h.write("auth/token/lookup", root, { token: child.clientToken })).orphan, true);
  const remaining = dataOf(await h.list("auth/token/accessors", root)).keys as string[];
  t.notOk(remaining.includes(parent.accessor), "dangling accessor removed");
  t.same(
    (await h.plaintextEntries()).filter((entry) => entry.value.includes("orphaned data")),
    [],
  );
});

t.test("failed authentications and permission denials are logged without the token", async (t) => {
  const { h, root } = await start();
  const limited = await createToken(h, root, { policies: ["default"] });
  await t.rejects(h.read("cubbyhole/anything", "hvs.NotARealTokenAtAll000000"), {
    status: 403,
    message: "permission denied",
  });
  await t.rejects(h.read("sys/mounts", limited.clientToken), { status: 403, message: "permission denied" });
  const failure = h.logger.records.find((record) => record.message === "authentication failed");
  const denial = h.logger.records.find((record) => record.message === "permission denied");
  t.match(failure?.fields, { reason: "invalid token", path: "cubbyhole/anything" });
  t.match(denial?.fields, { accessor: limited.accessor, path: "sys/mounts", operation: "read" });
  const logged = JSON.stringify(h.logger.records);
  t.notOk(logged.includes("hvs.NotARealTokenAtAll000000"), "the bad token is not logged");
  t.notOk(logged.includes(limited.clientToken), "the denied token is not logged");
});

t.test("no token string is stored anywhere, even behind the barrier", async (t) => {
  const h = await CoreHarness.start({ backend: new InmemBackend(), registry: registry() });
  const root = await h.rootToken(TokenStore.newToken());
  const tokens = [root];
  const parent = await createToken(h, root, { ttl: "1h" });
  tokens.push(parent.clientToken, (await createToken(h, parent.clientToken, { ttl: "1h" })).clientToken);
  const wrapped = await h.send("update", "auth/token/create", { token: root, data: { ttl: "1h" }, wrapTtlSeconds: 60 });
  const wrapToken = (wrapped.response as Response).wrapInfo?.token as string;
  tokens.push(wrapToken);
  for (const entry of await h.plaintextEntries()) {
    for (const token of tokens) {
      t.notOk(entry.key.includes(token) || entry.value.includes(token), `${entry.key} does not hold a token`);
    }
  }
  const leaseKeys = (await h.plaintextEntries())
    .map((entry) => entry.key)
    .filter((key) => key.startsWith("sys/expire/id/"));
  t.ok(
    leaseKeys.some((key) => key.startsWith("sys/expire/id/auth/token/create/h")),
    "token leases keyed by salted id",
  );
});
