/**
 * Response wrapping (wrap, unwrap first- and third-party, lookup, rewrap,
 * expiry) and logins through an auth method (a small one written with the
 * framework, as real ones are) becoming orphan tokens with leases.
 */
import t from "tap";
import { factory as cubbyholeFactory } from "../../engines/cubbyhole/index.js";
import { factory as kvFactory } from "../../engines/kv/index.js";
import { definePath, FrameworkBackend } from "../../framework/index.js";
import type { Auth, BackendFactory, Response } from "../../logical/index.js";
import { InmemBackend } from "../../physical/index.js";
import type { HandledRequest } from "../facade.js";
import type { BackendRegistry } from "../mounts/index.js";
import { CoreHarness } from "../testing.js";

interface LoginState {
  renewals: Array<Record<string, unknown>>;
}

/** An auth method: `login/:user` grants `dev` (or `root`, to test the refusal) for 2 minutes, max 10. */
function testerFactory(state: LoginState): BackendFactory {
  return async () =>
    new FrameworkBackend({
      type: "tester",
      kind: "auth",
      help: "Test logins.",
      paths: [
        definePath({
          pattern: "login/(?<user>\\w+)",
          fields: { user: { type: "string", description: "User name." } },
          operations: {
            update: async (_request, data): Promise<Response> => ({
              auth: {
                clientToken: "",
                accessor: "",
                policies: data.get("user") === "admin" ? ["root"] : ["dev"],
                tokenPolicies: [],
                metadata: { user: data.get("user") },
                displayName: data.get("user"),
                entityId: "",
                tokenType: "service",
                orphan: true,
                numUses: 0,
                periodSeconds: 0,
                explicitMaxTtlSeconds: 0,
                internalData: { user: data.get("user") },
                ttlSeconds: 120,
                maxTtlSeconds: 600,
                renewable: true,
              },
            }),
          },
          helpSynopsis: "Log in.",
        }),
      ],
      specialPaths: { unauthenticated: ["login/*"] },
      authRenew: async (request) => {
        state.renewals.push(request.auth?.internalData ?? {});
        return { auth: { ...(request.auth as Auth), ttlSeconds: 120 } };
      },
    });
}

function registry(state: LoginState): BackendRegistry {
  return {
    engines: new Map<string, BackendFactory>([
      ["kv", kvFactory],
      ["cubbyhole", cubbyholeFactory],
    ]),
    authMethods: new Map([["tester", testerFactory(state)]]),
  };
}

async function start(state: LoginState = { renewals: [] }) {
  const h = await CoreHarness.start({ backend: new InmemBackend(), registry: registry(state) });
  const root = await h.rootToken();
  await h.write("sys/mounts/secret", root, { type: "kv", options: { version: "2" } });
  return { h, root };
}

function wrapTokenOf(handled: HandledRequest): string {
  const token = handled.response?.wrapInfo?.token;
  if (!token) throw new Error(`not wrapped: ${JSON.stringify(handled.response)}`);
  return token;
}

t.test("wrap and unwrap: single use, first and third party, lookup, rewrap", async (t) => {
  const { h, root } = await start();
  const wrapped = await h.send("update", "sys/wrapping/wrap", {
    token: root,
    data: { hello: "world" },
    wrapTtlSeconds: 60,
  });
  const info = wrapped.response?.wrapInfo;
  t.match(info, { ttlSeconds: 60, creationPath: "sys/wrapping/wrap", token: /^hvs\.[A-Za-z0-9]{24}$/ });
  t.same(Object.keys(wrapped.response ?? {}).sort(), ["wrapInfo"], "the body carries only wrap_info");
  const token = wrapTokenOf(wrapped);
  const looked = await h.send("update", "sys/wrapping/lookup", { data: { token } });
  t.match(looked.response?.data, {
    creation_ttl: 60,
    creation_path: "sys/wrapping/wrap",
    creation_time: info?.creationTime,
  });
  await t.rejects(
    h.send("update", "sys/mounts", { token }),
    { status: 403, message: "permission denied" },
    "a wrapping token can only unwrap",
  );
  const unwrapped = await h.send("update", "sys/wrapping/unwrap", { token });
  t.same(unwrapped.response?.data, { hello: "world" });
  await t.rejects(h.send("update", "sys/wrapping/unwrap", { token }), {
    status: 400,
    message: "wrapping token is not valid or does not exist",
  });
  await t.rejects(h.send("update", "sys/wrapping/lookup", { data: { token } }), {
    status: 400,
    message: "wrapping token is not valid or does not exist",
  });

  await h.write("secret/data/app", root, { data: { password: "s3cr3t" } });
  const third = wrapTokenOf(await h.send("read", "secret/data/app", { token: root, wrapTtlSeconds: 300 }));
  const rewrapped = wrapTokenOf(await h.send("update", "sys/wrapping/rewrap", { token: root, data: { token: third } }));
  t.not(rewrapped, third);
  await t.rejects(h.send("update", "sys/wrapping/unwrap", { token: root, data: { token: third } }), {
    status: 400,
    message: "wrapping token is not valid or does not exist",
  });
  const byRoot = await h.send("update", "sys/wrapping/unwrap", { token: root, data: { token: rewrapped } });
  t.match(byRoot.response?.data, { data: { password: "s3cr3t" } }, "a third party unwraps with its own token");
  await t.rejects(h.send("update", "sys/wrapping/unwrap", { token: root, data: { token: rewrapped } }), {
    status: 400,
    message: "wrapping token is not valid or does not exist",
  });

  const token2 = await h.send("update", "auth/token/create", { token: root, data: { ttl: "1h" }, wrapTtlSeconds: 60 });
  const inner = await h.send("update", "sys/wrapping/unwrap", { token: wrapTokenOf(token2) });
  const created = inner.response?.auth;
  t.equal(token2.response?.wrapInfo?.wrappedAccessor, created?.accessor, "wrapped_accessor names the wrapped token");
  t.ok(created && (await h.active.tokens.lookup(created.clientToken)), "the unwrapped token works");

  await t.rejects(h.send("update", "sys/wrapping/wrap", { token: root, data: { a: 1 } }), {
    status: 400,
    message: "endpoint requires response wrapping to be used",
  });
  await t.rejects(h.send("update", "sys/wrapping/unwrap", {}), {
    status: 403,
    message: "error validating wrapping token: token is empty",
  });
  await t.rejects(
    h.send("list", "cubbyhole/", { token: root, wrapTtlSeconds: 60 }),
    { status: 404, code: "unsupported_path" },
    "empty list",
  );
});

t.test("an unused wrapping token expires with its cubbyhole", async (t) => {
  const { h, root } = await start();
  const token = wrapTokenOf(
    await h.send("update", "sys/wrapping/wrap", {
      token: root,
      data: { note: "wrapped-value-123" },
      wrapTtlSeconds: 30,
    }),
  );
  t.ok(
    (await h.plaintextEntries()).some((entry) => entry.value.includes("wrapped-value-123")),
    "kept while valid",
  );
  await h.advance(30_000);
  await t.rejects(h.send("update", "sys/wrapping/unwrap", { token }), {
    status: 400,
    message: "wrapping token is not valid or does not exist",
  });
  t.same(
    (await h.plaintextEntries()).filter((entry) => entry.value.includes("wrapped-value-123")),
    [],
    "the cubbyhole is destroyed at expiry",
  );
});

t.test("a login becomes an orphan token with a lease; renewals go through the auth method", async (t) => {
  const state: LoginState = { renewals: [] };
  const { h, root } = await start(state);
  await h.write("sys/auth/tester", root, { type: "tester" });
  const login = await h.send("update", "auth/tester/login/alice", {});
  const auth = login.response?.auth as Auth;
  t.match(auth, { policies: ["default", "dev"], orphan: true, ttlSeconds: 120, displayName: "tester-alice" });
  t.match(auth.clientToken, /^hvs\./);
  t.same(auth.internalData, {}, "backend-private data is not handed out");
  const lookup = await h.read("auth/token/lookup-self", auth.clientToken);
  t.match(lookup.response?.data, {
    path: "auth/tester/login/alice",
    display_name: "tester-alice",
    meta: { user: "alice" },
    orphan: true,
    ttl: 120,
  });
  await h.advance(60_000);
  const renewed = await h.write("auth/token/renew-self", auth.clientToken, { increment: 300 });
  t.equal(renewed.response?.auth?.ttlSeconds, 300);
  t.same(state.renewals, [{ user: "alice" }], "the method gets its internal data back on renewal");
  await h.advance(290_000);
  const capped = await h.write("auth/token/renew-self", auth.clientToken, { increment: 600 });
  t.equal(capped.response?.auth?.ttlSeconds, 250, "capped by the method's max_ttl counted from login");
  await t.rejects(h.send("update", "auth/tester/login/admin", {}), {
    status: 400,
    message: "auth methods cannot create root tokens",
  });
  const second = (await h.send("update", "auth/tester/login/bob", {})).response?.auth as Auth;
  await h.send("delete", "sys/auth/tester", { token: root });
  t.equal(await h.active.tokens.lookup(second.clientToken), undefined, "disabling the method revokes its tokens");
  t.equal(h.active.expiration.leaseCount, 0);
});
