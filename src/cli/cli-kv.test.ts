import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { runCli } from "./index.js";
import { captureIo, VaultPeer } from "./testing.js";

async function startPeer(t: { teardown(fn: () => unknown): void }): Promise<VaultPeer> {
  const peer = await new VaultPeer().start();
  t.teardown(() => peer.close());
  return peer;
}

async function run(peer: VaultPeer, argv: string[], stdin?: string) {
  const io = captureIo({ env: { VAULT_ADDR: peer.address, VAULT_TOKEN: "tok" }, stdin });
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

const versionMetadata = {
  created_time: "2025-01-01T00:00:00.000Z",
  custom_metadata: null,
  deletion_time: "",
  destroyed: false,
  version: 2,
};

function kvV2Peer(peer: VaultPeer): VaultPeer {
  return peer.on("GET", "sys/internal/ui/mounts/secret/app/db", {
    body: { data: { path: "secret/", type: "kv", options: { version: "2" } } },
  });
}

t.test("kv get on a version 2 mount: detection, data path, Vault's banners, -version, -field", async (t) => {
  const peer = kvV2Peer(await startPeer(t));
  peer.on("GET", "secret/data/app/db", (request) => ({
    body: {
      data: {
        data: { password: "s3cret", user: "app" },
        metadata: { ...versionMetadata, version: request.url.includes("version=1") ? 1 : 2 },
      },
    },
  }));
  const result = await run(peer, ["kv", "get", "secret/app/db"]);
  t.equal(result.code, 0);
  t.equal(
    result.out,
    [
      "=== Secret Path ===",
      "secret/data/app/db",
      "",
      "======= Metadata =======",
      "Key                Value",
      "---                -----",
      "created_time       2025-01-01T00:00:00.000Z",
      "custom_metadata    <nil>",
      "deletion_time      n/a",
      "destroyed          false",
      "version            2",
      "",
      "====== Data ======",
      "Key         Value",
      "---         -----",
      "password    s3cret",
      "user        app",
      "",
    ].join("\n"),
  );
  await run(peer, ["kv", "get", "-version=1", "secret/app/db"]);
  t.match(peer.calls("GET", "secret/data/app/db")[1]?.url, /\?version=1$/);
  const field = await run(peer, ["kv", "get", "-field=password", "secret/app/db"]);
  t.equal(field.out, "s3cret", "-field reads inside data.data on version 2");
  const json = await run(peer, ["kv", "get", "-format=json", "secret/app/db"]);
  t.same(JSON.parse(json.out).data.data, { password: "s3cret", user: "app" });
  const mountFlag = await run(peer, ["kv", "get", "-mount=secret", "app/db"]);
  t.equal(mountFlag.code, 0, "-mount=secret app/db is the same secret");
  peer.on("GET", "sys/internal/ui/mounts/secret/missing", {
    body: { data: { path: "secret/", options: { version: "2" } } },
  });
  const missing = await run(peer, ["kv", "get", "secret/missing"]);
  t.equal(missing.code, 2);
  t.equal(missing.err, "No value found at secret/data/missing\n");
});

t.test("kv detection falls back to sys/mounts, then to version 1", async (t) => {
  const peer = await startPeer(t);
  peer.on("GET", "sys/mounts", {
    body: {
      data: { "kv/": { type: "kv", options: { version: "1" } }, "kv/deep/": { type: "kv", options: { version: "2" } } },
    },
  });
  peer.on("GET", "kv/plain", { body: { data: { a: "1" } } });
  const v1 = await run(peer, ["kv", "get", "kv/plain"]);
  t.equal(v1.code, 0);
  t.equal(v1.out, "== Data ==\nKey    Value\n---    -----\na      1\n");
  peer.on("GET", "kv/deep/data/x", { body: { data: { data: { b: "2" }, metadata: versionMetadata } } });
  const v2 = await run(peer, ["kv", "get", "-field=b", "kv/deep/x"]);
  t.equal(v2.out, "2", "the longest mount prefix decides");
  peer.on("GET", "sys/mounts", { status: 403, body: { errors: ["permission denied"] } });
  peer.on("GET", "other/x", { body: { data: { c: "3" } } });
  t.equal((await run(peer, ["kv", "get", "-field=c", "other/x"])).out, "3", "no way to tell: version 1");
});

t.test("kv put, patch (merge patch and 405 fallback), -cas", async (t) => {
  const peer = kvV2Peer(await startPeer(t));
  peer.on("PUT", "secret/data/app/db", { body: { data: { ...versionMetadata, version: 3 } } });
  const put = await run(peer, ["kv", "put", "-cas=2", "secret/app/db", "password=new", "user=app"]);
  t.equal(put.code, 0);
  t.same(peer.calls("PUT", "secret/data/app/db")[0]?.json, {
    data: { password: "new", user: "app" },
    options: { cas: 2 },
  });
  t.match(
    put.out,
    /^=== Secret Path ===\nsecret\/data\/app\/db\n\n======= Metadata =======\nKey +Value\n[\s\S]*version +3\n$/,
  );
  const noData = await run(peer, ["kv", "put", "secret/app/db"]);
  t.equal(noData.code, 1);

  peer.on("PATCH", "secret/data/app/db", { body: { data: { ...versionMetadata, version: 4 } } });
  const patch = await run(peer, ["kv", "patch", "-remove-data=user", "secret/app/db", "password=p2"]);
  t.equal(patch.code, 0);
  const sent = peer.calls("PATCH", "secret/data/app/db")[0];
  t.equal(sent?.headers["content-type"], "application/merge-patch+json");
  t.same(sent?.json, { data: { password: "p2", user: null } });

  peer.on("PATCH", "secret/data/app/db", { status: 405, body: { errors: [] } });
  peer.on("GET", "secret/data/app/db", {
    body: { data: { data: { password: "old", user: "app", keep: "k" }, metadata: { ...versionMetadata, version: 4 } } },
  });
  const fallback = await run(peer, ["kv", "patch", "secret/app/db", "password=p3"]);
  t.equal(fallback.code, 0);
  t.same(
    peer.calls("PUT", "secret/data/app/db")[1]?.json,
    { data: { password: "p3", user: "app", keep: "k" }, options: { cas: 4 } },
    "read-modify-write with check-and-set on the version read",
  );

  peer.on("GET", "sys/internal/ui/mounts/v1/x", { body: { data: { path: "v1/", options: null } } });
  const v1Patch = await run(peer, ["kv", "patch", "v1/x", "a=1"]);
  t.equal(v1Patch.code, 1);
  t.match(v1Patch.err, /Patch is not supported on KV version 1/);
  peer.on("PUT", "v1/x", {});
  const v1Put = await run(peer, ["kv", "put", "v1/x", "a=1"]);
  t.equal(v1Put.out, "Success! Data written to: v1/x\n");
  t.same(peer.calls("PUT", "v1/x")[0]?.json, { a: "1" });
});

t.test("kv delete, undelete, destroy, list", async (t) => {
  const peer = kvV2Peer(await startPeer(t));
  peer.on("DELETE", "secret/data/app/db", {});
  t.equal(
    (await run(peer, ["kv", "delete", "secret/app/db"])).out,
    "Success! Data deleted (if it existed) at: secret/data/app/db\n",
  );
  peer.on("PUT", "secret/delete/app/db", {});
  await run(peer, ["kv", "delete", "-versions=1,2", "-versions", "5", "secret/app/db"]);
  t.same(peer.calls("PUT", "secret/delete/app/db")[0]?.json, { versions: [1, 2, 5] });
  peer.on("PUT", "secret/undelete/app/db", {});
  const undelete = await run(peer, ["kv", "undelete", "-versions=2", "secret/app/db"]);
  t.equal(undelete.out, "Success! Data written to: secret/undelete/app/db\n");
  t.same(peer.calls("PUT", "secret/undelete/app/db")[0]?.json, { versions: [2] });
  peer.on("PUT", "secret/destroy/app/db", {});
  await run(peer, ["kv", "destroy", "-versions=1", "secret/app/db"]);
  t.same(peer.calls("PUT", "secret/destroy/app/db")[0]?.json, { versions: [1] });
  const noVersions = await run(peer, ["kv", "destroy", "secret/app/db"]);
  t.equal(noVersions.code, 1);
  t.equal(noVersions.err, 'No versions provided, use the "-versions" flag\n');
  t.equal((await run(peer, ["kv", "undelete", "-versions=x", "secret/app/db"])).code, 1);
  peer.on("GET", "sys/internal/ui/mounts/secret/app", {
    body: { data: { path: "secret/", options: { version: "2" } } },
  });
  peer.on("GET", "secret/metadata/app/", { body: { data: { keys: ["db", "cache/"] } } });
  const list = await run(peer, ["kv", "list", "secret/app"]);
  t.equal(list.out, "Keys\n----\ncache/\ndb\n");
});

t.test("kv metadata get, put, patch, delete and rollback", async (t) => {
  const peer = kvV2Peer(await startPeer(t));
  const metadata = {
    cas_required: false,
    created_time: "2025-01-01T00:00:00Z",
    current_version: 2,
    custom_metadata: { owner: "ops" },
    delete_version_after: "0s",
    max_versions: 0,
    oldest_version: 0,
    updated_time: "2025-01-02T00:00:00Z",
    versions: {
      "10": { created_time: "t10", deletion_time: "", destroyed: false },
      "2": { created_time: "t2", deletion_time: "", destroyed: false },
      "1": { created_time: "t1", deletion_time: "x", destroyed: false },
    },
  };
  peer.on("GET", "secret/metadata/app/db", { body: { data: metadata } });
  const get = await run(peer, ["kv", "metadata", "get", "secret/app/db"]);
  t.equal(get.code, 0);
  t.match(get.out, /^==== Metadata Path ====\nsecret\/metadata\/app\/db\n\n========== Metadata ==========\n/);
  t.match(get.out, /custom_metadata +map\[owner:ops\]/);
  t.ok(
    get.out.indexOf("Version 1 ") < get.out.indexOf("Version 2 ") &&
      get.out.indexOf("Version 2 ") < get.out.indexOf("Version 10 "),
    "versions in numeric order",
  );
  peer.on("POST", "secret/metadata/app/db", {});
  const put = await run(peer, [
    "kv",
    "metadata",
    "put",
    "-max-versions=5",
    "-cas-required",
    "-custom-metadata=team=a",
    "-custom-metadata=env=prod",
    "secret/app/db",
  ]);
  t.equal(put.out, "Success! Data written to: secret/metadata/app/db\n");
  t.same(peer.calls("POST", "secret/metadata/app/db")[0]?.json, {
    max_versions: 5,
    cas_required: true,
    custom_metadata: { team: "a", env: "prod" },
  });
  peer.on("PATCH", "secret/metadata/app/db", {});
  await run(peer, ["kv", "metadata", "patch", "-delete-version-after=1h", "secret/app/db"]);
  const patch = peer.calls("PATCH", "secret/metadata/app/db")[0];
  t.same(patch?.json, { delete_version_after: "1h" });
  t.equal(patch?.headers["content-type"], "application/merge-patch+json");
  peer.on("DELETE", "secret/metadata/app/db", {});
  t.equal(
    (await run(peer, ["kv", "metadata", "delete", "secret/app/db"])).out,
    "Success! Data deleted (if it existed) at: secret/metadata/app/db\n",
  );

  peer.on("GET", "secret/data/app/db", {
    body: { data: { data: { password: "v2-password" }, metadata: versionMetadata } },
  });
  peer.on("PUT", "secret/data/app/db", { body: { data: { ...versionMetadata, version: 3 } } });
  const rollback = await run(peer, ["kv", "rollback", "-version=2", "secret/app/db"]);
  t.equal(rollback.code, 0);
  t.match(peer.calls("GET", "secret/data/app/db")[0]?.url, /\?version=2$/);
  t.same(peer.calls("PUT", "secret/data/app/db")[0]?.json, { data: { password: "v2-password" }, options: { cas: 2 } });
  const deleted = await run(peer, ["kv", "rollback", "-version=1", "secret/app/db"]);
  t.equal(deleted.code, 2);
  t.equal(deleted.err, "Cannot roll back to a deleted version (1)\n");
  t.equal((await run(peer, ["kv", "rollback", "secret/app/db"])).code, 1, "-version is required");
});

t.test("token create, lookup, renew, revoke, capabilities", async (t) => {
  const peer = await startPeer(t);
  const auth = {
    client_token: "hvs.child",
    accessor: "acc1",
    policies: ["default", "app"],
    token_policies: ["default", "app"],
    identity_policies: null,
    metadata: { team: "a" },
    lease_duration: 3600,
    renewable: true,
  };
  peer.on("PUT", "auth/token/create", { body: { auth } });
  const create = await run(peer, [
    "token",
    "create",
    "-policy=app",
    "-ttl=1h",
    "-metadata=team=a",
    "-use-limit=2",
    "-display-name=ci",
  ]);
  t.equal(create.code, 0);
  t.same(peer.calls("PUT", "auth/token/create")[0]?.json, {
    renewable: true,
    policies: ["app"],
    meta: { team: "a" },
    display_name: "ci",
    ttl: "1h",
    num_uses: 2,
  });
  t.match(
    create.out,
    /token +hvs\.child\ntoken_accessor +acc1\ntoken_duration +1h\ntoken_renewable +true\ntoken_policies +\["default" "app"\]\nidentity_policies +\[\]\npolicies +\["default" "app"\]\ntoken_meta_team +a\n/,
  );
  const field = await run(peer, ["token", "create", "-field=token"]);
  t.equal(field.out, "hvs.child");
  peer.on("PUT", "auth/token/create-orphan", { body: { auth } });
  await run(peer, ["token", "create", "-orphan", "-period=24h"]);
  t.same(peer.calls("PUT", "auth/token/create-orphan")[0]?.json, { renewable: true, period: "24h", no_parent: true });
  peer.on("PUT", "auth/token/create/deploy", { body: { auth } });
  await run(peer, ["token", "create", "-role=deploy"]);
  t.equal(peer.calls("PUT", "auth/token/create/deploy").length, 1);

  peer.on("GET", "auth/token/lookup-self", {
    body: { data: { id: "tok", policies: ["root"], ttl: 0, creation_ttl: 0, explicit_max_ttl: 0, expire_time: null } },
  });
  const self = await run(peer, ["token", "lookup"]);
  t.match(
    self.out,
    /creation_ttl +0s\nexpire_time +<nil>\nexplicit_max_ttl +0s\nid +tok\npolicies +\[root\]\nttl +0s\n/,
  );
  peer.on("PUT", "auth/token/lookup", { body: { data: { id: "other" } } });
  await run(peer, ["token", "lookup", "other"]);
  t.same(peer.calls("PUT", "auth/token/lookup")[0]?.json, { token: "other" });
  peer.on("PUT", "auth/token/lookup-accessor", { body: { data: { id: "" } } });
  await run(peer, ["token", "lookup", "-accessor", "acc1"]);
  t.same(peer.calls("PUT", "auth/token/lookup-accessor")[0]?.json, { accessor: "acc1" });
  peer.on("PUT", "auth/token/lookup", { status: 403, body: { errors: ["bad token"] } });
  const bad = await run(peer, ["token", "lookup", "nope"]);
  t.equal(bad.code, 2);
  t.match(bad.err, /^Error looking up token: Error making API request\.[\s\S]*\* bad token\n$/);

  peer.on("PUT", "auth/token/renew-self", { body: { auth } });
  await run(peer, ["token", "renew", "-increment=30m"]);
  t.same(peer.calls("PUT", "auth/token/renew-self")[0]?.json, { increment: "30m" });
  peer.on("PUT", "auth/token/renew", { body: { auth } });
  await run(peer, ["token", "renew", "hvs.child"]);
  t.same(peer.calls("PUT", "auth/token/renew")[0]?.json, { token: "hvs.child" });

  for (const path of ["revoke", "revoke-self", "revoke-accessor", "revoke-orphan"])
    peer.on("PUT", `auth/token/${path}`, {});
  t.equal((await run(peer, ["token", "revoke", "hvs.child"])).out, "Success! Revoked token (if it existed)\n");
  t.same(peer.calls("PUT", "auth/token/revoke")[0]?.json, { token: "hvs.child" });
  await run(peer, ["token", "revoke", "-self"]);
  t.equal(peer.calls("PUT", "auth/token/revoke-self").length, 1);
  await run(peer, ["token", "revoke", "-accessor", "acc1"]);
  t.same(peer.calls("PUT", "auth/token/revoke-accessor")[0]?.json, { accessor: "acc1" });
  await run(peer, ["token", "revoke", "-mode=orphan", "hvs.child"]);
  t.same(peer.calls("PUT", "auth/token/revoke-orphan")[0]?.json, { token: "hvs.child" });
  t.equal((await run(peer, ["token", "revoke"])).code, 1);

  peer.on("PUT", "sys/capabilities-self", {
    body: { data: { "secret/x": ["update", "read"], capabilities: ["update", "read"] } },
  });
  const capabilities = await run(peer, ["token", "capabilities", "secret/x"]);
  t.equal(capabilities.out, "read, update\n");
  t.same(peer.calls("PUT", "sys/capabilities-self")[0]?.json, { paths: ["secret/x"] });
  peer.on("PUT", "sys/capabilities", { body: { data: { "secret/x": ["deny"] } } });
  t.equal((await run(peer, ["token", "capabilities", "hvs.other", "secret/x"])).out, "deny\n");
  t.same(peer.calls("PUT", "sys/capabilities")[0]?.json, { token: "hvs.other", paths: ["secret/x"] });
});

t.test("lease lookup, renew, revoke", async (t) => {
  const peer = await startPeer(t);
  peer.on("PUT", "sys/leases/lookup", {
    body: { data: { id: "db/creds/r/abc", ttl: 3599, renewable: true, expire_time: "2025-01-01T01:00:00Z" } },
  });
  const lookup = await run(peer, ["lease", "lookup", "db/creds/r/abc"]);
  t.match(
    lookup.out,
    /^Key +Value\n--- +-----\nexpire_time +2025-01-01T01:00:00Z\nid +db\/creds\/r\/abc\nrenewable +true\nttl +59m59s\n$/,
  );
  t.same(peer.calls("PUT", "sys/leases/lookup")[0]?.json, { lease_id: "db/creds/r/abc" });
  peer.on("PUT", "sys/leases/renew", {
    body: { lease_id: "db/creds/r/abc", lease_duration: 7200, renewable: true, data: null },
  });
  const renew = await run(peer, ["lease", "renew", "-increment=2h", "db/creds/r/abc"]);
  t.match(renew.out, /lease_id +db\/creds\/r\/abc\nlease_duration +2h\nlease_renewable +true\n/);
  t.same(peer.calls("PUT", "sys/leases/renew")[0]?.json, { lease_id: "db/creds/r/abc", increment: "2h" });
  peer.on("PUT", "sys/leases/revoke", {});
  t.equal((await run(peer, ["lease", "revoke", "db/creds/r/abc"])).out, "Success! Revoked lease: db/creds/r/abc\n");
  peer.on("PUT", "sys/leases/revoke", { status: 202, body: { data: null } });
  t.equal(
    (await run(peer, ["lease", "revoke", "-sync=false", "db/creds/r/abc"])).out,
    "All revocation operations queued successfully!\n",
  );
  t.same(peer.calls("PUT", "sys/leases/revoke")[1]?.json, { sync: false, lease_id: "db/creds/r/abc" });
  peer.on("PUT", "sys/leases/revoke-prefix/db/creds/", {});
  t.equal(
    (await run(peer, ["lease", "revoke", "-prefix", "db/creds/"])).out,
    "Success! Revoked any leases with prefix: db/creds/\n",
  );
  peer.on("PUT", "sys/leases/revoke-force/db/", {});
  t.equal(
    (await run(peer, ["lease", "revoke", "-prefix", "-force", "db/"])).out,
    "Success! Force revoked any leases with prefix: db/\n",
  );
  t.equal((await run(peer, ["lease", "revoke", "-force", "db/"])).code, 1, "-force needs -prefix");
});

t.test("policy list, read, write (file and stdin), delete, fmt", async (t) => {
  const peer = await startPeer(t);
  const dir = await mkdtemp(join(tmpdir(), "coffer-policy-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  peer.on("GET", "sys/policies/acl/", { body: { data: { keys: ["default", "app", "root"] } } });
  const list = await run(peer, ["policy", "list"]);
  t.equal(list.out, "default\napp\nroot\n");
  peer.on("GET", "sys/policies/acl/app", {
    body: { data: { name: "app", policy: 'path "kv/*" {\n  capabilities = ["read"]\n}\n' } },
  });
  t.equal((await run(peer, ["policy", "read", "App"])).out, 'path "kv/*" {\n  capabilities = ["read"]\n}\n');
  const missing = await run(peer, ["policy", "read", "nope"]);
  t.equal(missing.code, 2);
  t.equal(missing.err, "No policy named: nope\n");
  const file = join(dir, "app.hcl");
  await writeFile(file, 'path "kv/data/myapp/*" { capabilities = ["read"] }\n');
  peer.on("PUT", "sys/policies/acl/app", {});
  t.equal((await run(peer, ["policy", "write", "app", file])).out, "Success! Uploaded policy: app\n");
  t.same(peer.calls("PUT", "sys/policies/acl/app")[0]?.json, {
    policy: 'path "kv/data/myapp/*" { capabilities = ["read"] }\n',
  });
  await run(peer, ["policy", "write", "app", "-"], "from stdin");
  t.same(peer.calls("PUT", "sys/policies/acl/app")[1]?.json, { policy: "from stdin" });
  t.equal((await run(peer, ["policy", "write", "app", join(dir, "missing.hcl")])).code, 1);
  peer.on("DELETE", "sys/policies/acl/app", {});
  t.equal((await run(peer, ["policy", "delete", "app"])).out, "Success! Deleted policy: app\n");

  const messy = join(dir, "messy.hcl");
  await writeFile(messy, 'path "a/*" {\ncapabilities=["read","list"]\n   }\n');
  const fmt = await run(peer, ["policy", "fmt", messy]);
  t.equal(fmt.code, 0);
  t.equal(await readFile(messy, "utf8"), 'path "a/*" {\n  capabilities = ["read", "list"]\n}\n');
  const broken = join(dir, "broken.hcl");
  await writeFile(broken, 'path "a" {\n  capabilities = \n');
  const failed = await run(peer, ["policy", "fmt", broken]);
  t.equal(failed.code, 1);
  t.match(failed.err, /^Error parsing policy: .*broken\.hcl: At \d+:\d+:/);
  t.equal(await readFile(broken, "utf8"), 'path "a" {\n  capabilities = \n', "a broken file is left alone");
});

t.test("operator raft join, list-peers, remove-peer, snapshot save/restore, autopilot", async (t) => {
  const peer = await startPeer(t);
  const dir = await mkdtemp(join(tmpdir(), "coffer-raft-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  peer.on("POST", "sys/storage/raft/join", { body: { joined: true } });
  const join_ = await run(peer, [
    "operator",
    "raft",
    "join",
    `-leader-ca-cert=@${join(dir, "ca.pem")}`,
    "-retry",
    "https://coffer-0:8200",
  ]);
  t.equal(join_.code, 0);
  t.equal(join_.out, "Key       Value\n---       -----\nJoined    true\n");
  t.same(peer.calls("POST", "sys/storage/raft/join")[0]?.json, {
    leader_api_addr: "https://coffer-0:8200",
    leader_ca_cert: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    retry: true,
  });
  peer.on("GET", "sys/storage/raft/configuration", {
    body: {
      data: {
        config: {
          index: 7,
          servers: [
            { node_id: "n1", address: "127.0.0.1:8201", leader: true, voter: true, protocol_version: "3" },
            { node_id: "n2", address: "127.0.0.1:8211", leader: false, voter: false, protocol_version: "3" },
          ],
        },
      },
    },
  });
  const peers = await run(peer, ["operator", "raft", "list-peers"]);
  t.equal(
    peers.out,
    [
      "Node    Address           State       Voter",
      "----    -------           -----       -----",
      "n1      127.0.0.1:8201    leader      true",
      "n2      127.0.0.1:8211    follower    false",
      "",
    ].join("\n"),
  );
  peer.on("POST", "sys/storage/raft/remove-peer", {});
  t.equal((await run(peer, ["operator", "raft", "remove-peer", "n2"])).out, "Peer removed successfully!\n");
  t.same(peer.calls("POST", "sys/storage/raft/remove-peer")[0]?.json, { server_id: "n2" });

  const snapshotBytes = Buffer.from([0x1f, 0x8b, 0, 1, 2, 255]);
  peer.on("GET", "sys/storage/raft/snapshot", { raw: snapshotBytes, headers: { "Content-Type": "application/gzip" } });
  const file = join(dir, "backup.snap");
  t.equal((await run(peer, ["operator", "raft", "snapshot", "save", file])).code, 0);
  t.same(await readFile(file), snapshotBytes, "the snapshot is saved byte for byte");
  peer.on("POST", "sys/storage/raft/snapshot-force", {});
  t.equal((await run(peer, ["operator", "raft", "snapshot", "restore", "-force", file])).code, 0);
  const restored = peer.calls("POST", "sys/storage/raft/snapshot-force")[0];
  t.equal(restored?.headers["content-length"], String(snapshotBytes.length));
  peer.on("POST", "sys/storage/raft/snapshot", { status: 400, body: { errors: ["could not verify hash file"] } });
  const refused = await run(peer, ["operator", "raft", "snapshot", "restore", file]);
  t.equal(refused.code, 2);
  t.match(refused.err, /^Error installing the snapshot: Error making API request\.[\s\S]*could not verify hash file/);

  peer.on("GET", "sys/storage/raft/autopilot/state", {
    body: {
      data: {
        healthy: true,
        failure_tolerance: 1,
        leader: "n1",
        voters: ["n1", "n2", "n3"],
        servers: {
          n1: {
            name: "n1",
            address: "a",
            status: "leader",
            node_status: "alive",
            healthy: true,
            last_contact: "0s",
            last_term: 3,
            last_index: 9,
          },
        },
      },
    },
  });
  const state = await run(peer, ["operator", "raft", "autopilot", "state"]);
  t.match(
    state.out,
    /^Healthy: +true\nFailure Tolerance: +1\nLeader: +n1\nVoters:\n {3}n1\n {3}n2\n {3}n3\nServers:\n {3}n1\n {6}Name: +n1\n/,
  );
  peer.on("POST", "sys/storage/raft/autopilot/configuration", {});
  await run(peer, [
    "operator",
    "raft",
    "autopilot",
    "set-config",
    "-cleanup-dead-servers=true",
    "-min-quorum=3",
    "-server-stabilization-time=5s",
  ]);
  t.same(peer.calls("POST", "sys/storage/raft/autopilot/configuration")[0]?.json, {
    server_stabilization_time: "5s",
    min_quorum: 3,
    cleanup_dead_servers: true,
  });
});
