/**
 * The system backend (sys/*) through the real pipeline on a real barrier:
 * mounts (enable, conflicts, protected paths, tune, disable), policies,
 * capabilities, the keyring, and the UI mount listing with and without a
 * token. Each case names the Vault behaviour it pins.
 */
import t from "tap";
import { factory as cubbyholeFactory } from "../../engines/cubbyhole/index.js";
import { factory as kvFactory } from "../../engines/kv/index.js";
import { InmemBackend } from "../../physical/index.js";
import type { BackendRegistry } from "../mounts/index.js";
import { CoreHarness } from "../testing.js";

function registry(): BackendRegistry {
  return {
    engines: new Map([
      ["kv", kvFactory],
      ["cubbyhole", cubbyholeFactory],
    ]),
    authMethods: new Map(),
  };
}

async function start(): Promise<{ h: CoreHarness; root: string }> {
  const h = await CoreHarness.start({ backend: new InmemBackend(), registry: registry() });
  return { h, root: await h.rootToken() };
}

async function failure(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
  throw new Error("expected a failure");
}

t.test("sys/mounts: enable, list, read, tune, disable", async (t) => {
  const { h, root } = await start();
  t.teardown(() => h.stop());
  t.equal(
    (await h.write("sys/mounts/app", root, { type: "kv-v2", description: "apps" })).response,
    undefined,
    "enable answers 204",
  );
  const listed = (await h.read("sys/mounts", root)).response?.data as Record<
    string,
    { type: string; options: unknown }
  >;
  t.same(Object.keys(listed).sort(), ["app/", "cubbyhole/", "sys/"], "defaults plus the new mount");
  t.same(listed["app/"]?.options, { version: "2" }, "kv-v2 is kv with options.version=2");

  await h.write("sys/mounts/app/tune", root, { default_lease_ttl: "1h", max_lease_ttl: "2h", description: "tuned" });
  const tune = (await h.read("sys/mounts/app/tune", root)).response?.data;
  t.match(
    tune,
    { default_lease_ttl: 3600, max_lease_ttl: 7200, description: "tuned" },
    "tune read shows effective values",
  );
  const system = (await h.read("sys/mounts/sys/tune", root)).response?.data;
  t.match(system, { default_lease_ttl: 2764800, max_lease_ttl: 2764800 }, "an untuned mount shows the system TTLs");

  t.match(
    await failure(h.write("sys/mounts/app/tune", root, { default_lease_ttl: "3h" })),
    { code: "invalid_request", message: /default lease TTL greater than given max lease TTL/ },
    "default above max is a 400",
  );
  t.match(
    await failure(h.write("sys/mounts/app/tune", root, { options: { version: "1" } })),
    { code: "invalid_request" },
    "changing the kv version is refused",
  );

  await h.write("app/data/x", root, { data: { a: 1 } });
  t.equal((await h.send("delete", "sys/mounts/app", { token: root })).response, undefined, "disable answers 204");
  t.equal((await h.send("delete", "sys/mounts/app", { token: root })).response, undefined, "disable is idempotent");
  await h.write("sys/mounts/app", root, { type: "kv-v2" });
  t.equal(
    (await h.read("app/data/x", root)).response,
    undefined,
    "a re-enabled mount starts empty: the data went with the old one",
  );
});

t.test("sys/mounts: Vault's refusals", async (t) => {
  const { h, root } = await start();
  t.teardown(() => h.stop());
  await h.write("sys/mounts/team/a", root, { type: "kv" });
  t.match(await failure(h.write("sys/mounts/team/a", root, { type: "kv" })), {
    code: "conflict",
    message: "path is already in use at team/a/",
  });
  t.match(
    await failure(h.write("sys/mounts/team", root, { type: "kv" })),
    { code: "conflict", message: "existing mount at team/a/" },
    "a parent of a mount conflicts",
  );
  t.match(
    await failure(h.write("sys/mounts/team/a/b", root, { type: "kv" })),
    { code: "conflict" },
    "a child of a mount conflicts",
  );
  for (const path of ["sys/x", "cubbyhole", "auth/x", "audit", "identity"]) {
    t.match(
      await failure(h.write(`sys/mounts/${path}`, root, { type: "kv" })),
      { code: "permission_denied", message: /cannot mount/ },
      `${path} is protected (403)`,
    );
  }
  t.match(await failure(h.write("sys/mounts/c2", root, { type: "cubbyhole" })), {
    code: "permission_denied",
    message: 'mount type of "cubbyhole" is not mountable',
  });
  t.match(await failure(h.write("sys/mounts/x", root, {})), { message: "backend type must be specified as a string" });
  t.match(await failure(h.write("sys/mounts/x", root, { type: "nope" })), {
    code: "invalid_request",
    message: /plugin not found/,
  });
  t.match(await failure(h.write("sys/mounts/x", root, { type: "cubbyhole", options: { version: "2" } })), {
    message: /does not allow setting a version/,
  });
  t.match(
    await failure(h.write("sys/mounts/a//b", root, { type: "kv" })),
    { code: "invalid_request" },
    "a path that path.Clean would change is refused",
  );
  t.match(await failure(h.send("delete", "sys/mounts/sys", { token: root })), {
    code: "invalid_request",
    message: /cannot unmount/,
  });
});

t.test("policies and capabilities", async (t) => {
  const { h, root } = await start();
  t.teardown(() => h.stop());
  const seed =
    'path "kv/data/myapp/*" { capabilities = ["read"] }\npath "sys/capabilities-self" { capabilities = ["update"] }\n';
  const written = await h.write("sys/policies/acl/MyApp", root, { policy: seed });
  t.same(written.response?.warnings, ["policy name was converted to myapp"], "names are lowercased with a warning");
  t.same((await h.read("sys/policies/acl/myapp", root)).response?.data, { name: "myapp", policy: seed });
  t.same(
    (await h.read("sys/policy/myapp", root)).response?.data,
    { name: "myapp", rules: seed },
    "the legacy shape uses rules",
  );
  t.same((await h.send("list", "sys/policies/acl/", { token: root })).response?.data, {
    keys: ["default", "myapp", "root"],
  });
  t.match(await failure(h.write("sys/policies/acl/bad", root, { policy: 'path "x" { capabilities = ["raed"] }' })), {
    code: "invalid_request",
    message: /invalid capability/,
  });
  t.match(await failure(h.write("sys/policies/acl/root", root, { policy: seed })), {
    message: 'cannot update "root" policy',
  });
  t.match(await failure(h.send("delete", "sys/policies/acl/default", { token: root })), {
    message: "cannot delete default policy",
  });

  const token = (await h.write("auth/token/create", root, { policies: ["myapp"] })).response?.auth
    ?.clientToken as string;
  const self = await h.write("sys/capabilities-self", token, { paths: ["kv/data/myapp/x", "kv/data/other"] });
  t.same(
    self.response?.data,
    { "kv/data/myapp/x": ["read"], "kv/data/other": ["deny"] },
    "per path, no `capabilities` key for several",
  );
  const one = await h.write("sys/capabilities", root, { token, paths: ["kv/data/myapp/x"] });
  t.same(one.response?.data, { "kv/data/myapp/x": ["read"], capabilities: ["read"] }, "one path adds `capabilities`");
  const rootCaps = await h.write("sys/capabilities-self", root, { paths: ["anything"] });
  t.same(rootCaps.response?.data, { anything: ["root"], capabilities: ["root"] });
  t.match(await failure(h.write("sys/capabilities-self", root, { paths: [] })), { message: "paths must be supplied" });
  t.match(
    await failure(h.read("sys/mounts", token)),
    { code: "permission_denied" },
    "the app token cannot list mounts",
  );
});

t.test("keyring: rotate and key-status; sudo is needed", async (t) => {
  const { h, root } = await start();
  t.teardown(() => h.stop());
  t.match((await h.read("sys/key-status", root)).response?.data, { term: 1 });
  await h.write("sys/rotate", root);
  t.match((await h.read("sys/key-status", root)).response?.data, { term: 2 }, "rotate adds a term");
  await h.write("sys/policies/acl/rot", root, { policy: 'path "sys/rotate" { capabilities = ["update"] }' });
  const token = (await h.write("auth/token/create", root, { policies: ["rot"] })).response?.auth?.clientToken as string;
  t.match(
    await failure(h.write("sys/rotate", token)),
    { code: "permission_denied" },
    "update without sudo on a root path is denied",
  );
  await h.write("sys/policies/acl/rot", root, { policy: 'path "sys/rotate" { capabilities = ["update", "sudo"] }' });
  await h.write("sys/rotate", token);
  t.match((await h.read("sys/key-status", root)).response?.data, { term: 3 }, "with sudo it works");
});

t.test("sys/internal/ui/mounts: anonymous sees only unauth-listed mounts; a token sees what it may use", async (t) => {
  const { h, root } = await start();
  t.teardown(() => h.stop());
  await h.write("sys/mounts/kv", root, { type: "kv-v2" });
  await h.write("sys/mounts/public", root, { type: "kv", config: { listing_visibility: "unauth" } });
  const anonymous = (await h.read("sys/internal/ui/mounts", "")).response?.data as { secret: Record<string, unknown> };
  t.same(Object.keys(anonymous.secret), ["public/"]);
  const asRoot = (await h.read("sys/internal/ui/mounts", root)).response?.data as { secret: Record<string, unknown> };
  t.same(
    Object.keys(asRoot.secret).sort(),
    ["cubbyhole/", "kv/", "public/", "sys/"],
    "a token on an unauthenticated path is still recognised",
  );
  const bogus = (await h.read("sys/internal/ui/mounts", "hvs.bogus")).response?.data as {
    secret: Record<string, unknown>;
  };
  t.same(Object.keys(bogus.secret), ["public/"], "a bad token there is ignored, not refused");

  await h.write("sys/policies/acl/app", root, { policy: 'path "kv/data/myapp/*" { capabilities = ["read"] }' });
  const app = (await h.write("auth/token/create", root, { policies: ["app"] })).response?.auth?.clientToken as string;
  const mount = (await h.read("sys/internal/ui/mounts/kv/myapp/db", app)).response?.data;
  t.match(
    mount,
    { path: "kv/", type: "kv", options: { version: "2" } },
    "the kv CLI's preflight works for a token with access under the mount",
  );
  t.match(await failure(h.read("sys/internal/ui/mounts/kv/x", "")), {
    code: "permission_denied",
    message: /preflight capability check returned 403/,
  });
});
