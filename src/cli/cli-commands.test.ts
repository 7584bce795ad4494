import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { runCli } from "./index.js";
import { captureIo, VaultPeer } from "./testing.js";

const unsealedStatus = {
  type: "shamir",
  initialized: true,
  sealed: false,
  t: 3,
  n: 5,
  progress: 0,
  nonce: "",
  version: "0.1.0",
  build_date: "2025-01-01T00:00:00Z",
  migration: false,
  cluster_name: "coffer-cluster-1",
  cluster_id: "c-1",
  recovery_seal: false,
  storage_type: "raft",
};

async function startPeer(t: { teardown(fn: () => unknown): void }): Promise<VaultPeer> {
  const peer = await new VaultPeer().start();
  t.teardown(() => peer.close());
  return peer;
}

async function run(peer: VaultPeer, argv: string[], options: { env?: Record<string, string>; stdin?: string } = {}) {
  const io = captureIo({
    env: { VAULT_ADDR: peer.address, VAULT_TOKEN: "root-token", ...options.env },
    stdin: options.stdin,
  });
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

t.test("status: Vault's table, exit 0 unsealed and 2 sealed, JSON merged with leader info", async (t) => {
  const peer = await startPeer(t);
  peer.on("GET", "sys/seal-status", { body: unsealedStatus });
  peer.on("GET", "sys/leader", {
    body: {
      ha_enabled: true,
      is_self: true,
      active_time: "2025-01-02T03:04:05Z",
      leader_address: "http://a:8200",
      leader_cluster_address: "https://a:8201",
      raft_committed_index: 42,
      raft_applied_index: 41,
    },
  });
  const unsealed = await run(peer, ["status"]);
  t.equal(unsealed.code, 0);
  t.match(
    unsealed.out,
    /^Key +Value\n--- +-----\nSeal Type +shamir\nInitialized +true\nSealed +false\nTotal Shares +5\nThreshold +3\n/,
  );
  t.match(
    unsealed.out,
    /Storage Type +raft\nCluster Name +coffer-cluster-1\nCluster ID +c-1\nHA Enabled +true\nHA Cluster +https:\/\/a:8201\nHA Mode +active\nActive Since +2025-01-02T03:04:05Z\nRaft Committed Index +42\nRaft Applied Index +41\n$/,
  );
  t.notMatch(unsealed.out, /Unseal Progress/);
  t.equal(
    peer.calls("GET", "sys/seal-status")[0]?.headers["x-vault-request"],
    "true",
    "X-Vault-Request on every request",
  );

  peer.on("GET", "sys/seal-status", { body: { ...unsealedStatus, sealed: true, progress: 1, nonce: "n-1" } });
  peer.on("GET", "sys/leader", { status: 503, body: { errors: ["Vault is sealed"] } });
  const sealed = await run(peer, ["status"]);
  t.equal(sealed.code, 2, "sealed exits 2");
  t.match(sealed.out, /Unseal Progress +1\/3\nUnseal Nonce +n-1\n/);
  t.match(sealed.out, /HA Enabled +true\n$/, "a sealed HA node shows no HA mode");
  const json = await run(peer, ["status", "-format=json"]);
  t.equal(json.code, 2);
  t.match(JSON.parse(json.out), { sealed: true, t: 3, n: 5, progress: 1, ha_enabled: true, storage_type: "raft" });
});

t.test("status cannot reach the server: exit 1 with the Go-style transport error", async (t) => {
  const io = captureIo({ env: { VAULT_ADDR: "http://127.0.0.1:9" } });
  t.equal(await runCli(["status"], io), 1);
  t.match(
    io.err(),
    /^Error checking seal status: Get "http:\/\/127\.0\.0\.1:9\/v1\/sys\/seal-status": connect ECONNREFUSED/,
  );
});

t.test("operator init: sends Shamir parameters, prints keys and token, JSON in Vault's shape", async (t) => {
  const peer = await startPeer(t);
  peer.on("GET", "sys/seal-status", { body: { ...unsealedStatus, initialized: false, sealed: true } });
  peer.on("PUT", "sys/init", {
    body: { keys: ["aa", "bb"], keys_base64: ["qg==", "uw=="], root_token: "hvs.root" },
  });
  const result = await run(peer, ["operator", "init", "-key-shares=2", "-key-threshold", "2"]);
  t.equal(result.code, 0);
  t.same(peer.calls("PUT", "sys/init")[0]?.json, { secret_shares: 2, secret_threshold: 2 });
  t.match(result.out, /^Unseal Key 1: qg==\nUnseal Key 2: uw==\n\nInitial Root Token: hvs\.root\n/);
  const json = await run(peer, ["operator", "init", "-format=json"]);
  t.same(peer.calls("PUT", "sys/init")[1]?.json, { secret_shares: 5, secret_threshold: 3 }, "Vault's defaults 5/3");
  t.same(JSON.parse(json.out), {
    unseal_keys_b64: ["qg==", "uw=="],
    unseal_keys_hex: ["aa", "bb"],
    unseal_shares: 5,
    unseal_threshold: 3,
    recovery_keys_b64: [],
    recovery_keys_hex: [],
    recovery_keys_shares: 0,
    recovery_keys_threshold: 0,
    root_token: "hvs.root",
  });
  peer.on("GET", "sys/seal-status", {
    body: { ...unsealedStatus, type: "awskms", recovery_seal: true, initialized: false },
  });
  await run(peer, ["operator", "init", "-recovery-shares=1", "-recovery-threshold=1"]);
  t.same(
    peer.calls("PUT", "sys/init")[2]?.json,
    { recovery_shares: 1, recovery_threshold: 1 },
    "auto seal: recovery parameters",
  );
  peer.on("PUT", "sys/init", { status: 400, body: { errors: ["Vault is already initialized"] } });
  const again = await run(peer, ["operator", "init"]);
  t.equal(again.code, 2);
  t.equal(
    again.err,
    `Error initializing: Error making API request.\n\nURL: PUT ${peer.address}/v1/sys/init\nCode: 400. Errors:\n\n* Vault is already initialized\n`,
  );
  peer.on("GET", "sys/init", { body: { initialized: false } });
  const status = await run(peer, ["operator", "init", "-status"]);
  t.equal(status.code, 2);
  t.equal(status.out, "Vault is not initialized\n");
});

t.test("operator unseal: key argument, key from stdin, -reset; the seal status table follows", async (t) => {
  const peer = await startPeer(t);
  peer.on("PUT", "sys/unseal", (request) => ({
    body: { ...unsealedStatus, sealed: true, progress: (request.json as { reset?: boolean }).reset ? 0 : 1 },
  }));
  peer.on("GET", "sys/leader", { body: { ha_enabled: false } });
  const withArg = await run(peer, ["operator", "unseal", "key-one"]);
  t.equal(withArg.code, 0);
  t.same(peer.calls("PUT", "sys/unseal")[0]?.json, { key: "key-one" });
  t.equal(peer.calls("PUT", "sys/unseal")[0]?.headers["x-vault-token"], undefined, "unseal sends no token");
  t.match(withArg.out, /Sealed +true\n.*\nThreshold +3\nUnseal Progress +1\/3\n/s);
  await run(peer, ["operator", "unseal"], { stdin: "key-from-pipe\nrest ignored\n" });
  t.same(peer.calls("PUT", "sys/unseal")[1]?.json, { key: "key-from-pipe" });
  await run(peer, ["operator", "unseal", "-reset"]);
  t.same(peer.calls("PUT", "sys/unseal")[2]?.json, { reset: true });
  peer.on("PUT", "sys/unseal", { status: 400, body: { errors: ["unseal failed, invalid key"] } });
  const bad = await run(peer, ["operator", "unseal", "wrong"]);
  t.equal(bad.code, 2);
  t.match(
    bad.err,
    /^Error unsealing: Error making API request\.\n\nURL: PUT .*\/v1\/sys\/unseal\nCode: 400\. Errors:\n\n\* unseal failed, invalid key\n$/,
  );
  const empty = await run(peer, ["operator", "unseal"], { stdin: "\n" });
  t.equal(empty.code, 1);
});

t.test("operator seal, key-status, rotate, step-down", async (t) => {
  const peer = await startPeer(t);
  peer.on("PUT", "sys/seal", {});
  peer.on("PUT", "sys/rotate", {});
  peer.on("PUT", "sys/step-down", {});
  peer.on("GET", "sys/key-status", {
    body: { data: { term: 3, install_time: "2024-03-05T07:08:09.123Z", encryptions: 12 }, term: 3 },
  });
  const seal = await run(peer, ["operator", "seal"]);
  t.equal(seal.code, 0);
  t.equal(seal.out, "Success! Vault is sealed.\n");
  t.equal(peer.calls("PUT", "sys/seal")[0]?.headers["x-vault-token"], "root-token");
  const keyStatus = await run(peer, ["operator", "key-status"]);
  t.equal(keyStatus.out, "Key Term            3\nInstall Time        05 Mar 24 07:08 UTC\nEncryption Count    12\n");
  const rotate = await run(peer, ["operator", "rotate"]);
  t.match(rotate.out, /^Success! Rotated key\n\nKey Term +3\n/);
  const json = await run(peer, ["operator", "key-status", "-format=json"]);
  t.same(JSON.parse(json.out), { term: 3, install_time: "2024-03-05T07:08:09.123Z", encryptions: 12 });
  peer.on("GET", "sys/ha-status", {
    body: {
      data: {
        nodes: [
          {
            hostname: "n1",
            api_address: "http://n1:8200",
            cluster_address: "https://n1:8201",
            active_node: true,
            version: "0.1.0",
            last_echo: null,
          },
          {
            hostname: "n2",
            api_address: "http://n2:8200",
            cluster_address: "https://n2:8201",
            active_node: false,
            version: "0.1.0",
            last_echo: "2025-01-01T00:00:00Z",
          },
        ],
      },
    },
  });
  const members = await run(peer, ["operator", "members"]);
  t.match(members.out, /^Host Name +API Address +Cluster Address +Active Node +Version +Upgrade Version +Last Echo\n/);
  t.match(
    members.out,
    /\nn1 +http:\/\/n1:8200 +https:\/\/n1:8201 +true +0\.1\.0 +n\/a +n\/a\nn2 .* +false +0\.1\.0 +n\/a +2025-01-01T00:00:00Z\n$/,
  );
  const stepDown = await run(peer, ["operator", "step-down"]);
  t.equal(stepDown.out, `Success! Stepped down: ${peer.address}\n`);
  peer.on("PUT", "sys/seal", { status: 403, body: { errors: ["permission denied"] } });
  const denied = await run(peer, ["operator", "seal"]);
  t.equal(denied.code, 2);
  t.match(
    denied.err,
    /^Error sealing: Error making API request\.[\s\S]*Code: 403\. Errors:\n\n\* permission denied\n$/,
  );
});

t.test("read, write, delete, list: Vault's output and exit codes", async (t) => {
  const peer = await startPeer(t);
  peer.on("GET", "secret/foo", {
    body: {
      request_id: "r1",
      lease_id: "",
      lease_duration: 2764800,
      renewable: false,
      data: { password: "hunter2", ttl: 90, list: ["a", "b"] },
      warnings: null,
    },
  });
  const read = await run(peer, ["read", "secret/foo"]);
  t.equal(read.code, 0);
  t.equal(
    read.out,
    [
      "Key                 Value",
      "---                 -----",
      "refresh_interval    768h",
      "list                [a b]",
      "password            hunter2",
      "ttl                 1m30s",
      "",
    ].join("\n"),
  );
  const field = await run(peer, ["read", "-field=password", "secret/foo"]);
  t.equal(field.out, "hunter2", "-field prints the bare value, no newline when not a terminal");
  const missingField = await run(peer, ["read", "-field=nope", "secret/foo"]);
  t.equal(missingField.code, 1);
  t.equal(missingField.err, 'Field "nope" not present in secret\n');
  const json = await run(peer, ["read", "-format=json", "secret/foo"]);
  t.same(JSON.parse(json.out), {
    request_id: "r1",
    lease_id: "",
    lease_duration: 2764800,
    renewable: false,
    data: { password: "hunter2", ttl: 90, list: ["a", "b"] },
    warnings: null,
  });
  const envFormat = await run(peer, ["read", "secret/foo"], { env: { VAULT_FORMAT: "json" } });
  t.equal(JSON.parse(envFormat.out).data.password, "hunter2", "VAULT_FORMAT chooses the format");
  const yaml = await run(peer, ["read", "-format=yaml", "secret/foo"]);
  t.match(yaml.out, /^data:\n {2}list:\n {2}- a\n/);
  const flagsAfter = await run(peer, ["read", "secret/foo", "-format=json"]);
  t.equal(flagsAfter.code, 0, "flags may follow the path");
  t.ok(JSON.parse(flagsAfter.out));

  const missing = await run(peer, ["read", "secret/missing"]);
  t.equal(missing.code, 2);
  t.equal(missing.err, "No value found at secret/missing\n");

  peer.on("PUT", "secret/foo", {});
  const write = await run(peer, ["write", "secret/foo", "a=1", "b=two"]);
  t.equal(write.code, 0);
  t.equal(write.out, "Success! Data written to: secret/foo\n");
  t.same(peer.calls("PUT", "secret/foo")[0]?.json, { a: "1", b: "two" });
  t.equal(peer.calls("PUT", "secret/foo")[0]?.headers["content-type"], "application/json");
  await run(peer, ["write", "/secret/foo", "-"], { stdin: '{"n": 1}' });
  t.same(peer.calls("PUT", "secret/foo")[1]?.json, { n: 1 }, "leading slash stripped, JSON from stdin");
  const noData = await run(peer, ["write", "secret/foo"]);
  t.equal(noData.code, 1);
  t.equal(noData.err, "Must supply data or use -force\n");
  t.equal((await run(peer, ["write", "-force", "secret/foo"])).code, 0);
  peer.on("PUT", "sys/wrapping/wrap", { body: { data: { answer: 42 } } });
  const writeWithData = await run(peer, ["write", "sys/wrapping/wrap", "x=1"]);
  t.match(writeWithData.out, /^Key +Value\n--- +-----\nanswer +42\n$/);
  peer.on("PUT", "secret/denied", { status: 403, body: { errors: ["1 error occurred:\n\t* permission denied\n\n"] } });
  const denied = await run(peer, ["write", "secret/denied", "a=1"]);
  t.equal(denied.code, 2);
  t.match(
    denied.err,
    /^Error writing data to secret\/denied: Error making API request\.\n\nURL: PUT http:\/\/127\.0\.0\.1:\d+\/v1\/secret\/denied\nCode: 403\. Errors:\n\n\* 1 error occurred:/,
  );

  peer.on("DELETE", "secret/foo", {});
  const deleted = await run(peer, ["delete", "secret/foo"]);
  t.equal(deleted.out, "Success! Data deleted (if it existed) at: secret/foo\n");

  peer.on("GET", "secret/", { body: { data: { keys: ["zeta", "alpha/", "mid"] } } });
  const list = await run(peer, ["list", "secret"]);
  t.equal(list.out, "Keys\n----\nalpha/\nmid\nzeta\n");
  t.match(peer.calls("GET", "secret/")[0]?.url, /\?list=true$/, "LIST is sent as GET ?list=true");
  const listJson = await run(peer, ["list", "-format=json", "secret/"]);
  t.same(JSON.parse(listJson.out), ["zeta", "alpha/", "mid"]);
  const emptyList = await run(peer, ["list", "nothing/"]);
  t.equal(emptyList.code, 2);
  t.equal(emptyList.err, "No value found at nothing/\n");
});

t.test("path-help prints the help text", async (t) => {
  const peer = await startPeer(t);
  peer.on("GET", "secret/", (request) => ({
    body: request.url.includes("help=1") ? { help: "## DESCRIPTION\n\nKV" } : {},
  }));
  const result = await run(peer, ["path-help", "secret/"]);
  t.equal(result.out, "## DESCRIPTION\n\nKV\n");
});

t.test("secrets enable, list, tune, disable, move", async (t) => {
  const peer = await startPeer(t);
  peer.on("POST", "sys/mounts/team/", {});
  const enable = await run(peer, [
    "secrets",
    "enable",
    "-path=team",
    "-version=2",
    "-description=team secrets",
    "-max-lease-ttl=72h",
    "-options=foo=bar",
    "kv",
  ]);
  t.equal(enable.code, 0);
  t.equal(enable.out, "Success! Enabled the kv secrets engine at: team/\n");
  t.same(peer.calls("POST", "sys/mounts/team/")[0]?.json, {
    type: "kv",
    description: "team secrets",
    config: { max_lease_ttl: "72h" },
    options: { foo: "bar", version: "2" },
  });
  peer.on("GET", "sys/mounts", {
    body: {
      data: {
        "sys/": {
          type: "system",
          accessor: "system_1",
          description: "system endpoints",
          config: { default_lease_ttl: 0, max_lease_ttl: 0 },
        },
        "secret/": {
          type: "kv",
          accessor: "kv_2",
          description: "key/value secret storage",
          options: { version: "2" },
          config: { default_lease_ttl: 3600, max_lease_ttl: 0 },
        },
      },
    },
  });
  const list = await run(peer, ["secrets", "list"]);
  t.equal(
    list.out,
    [
      "Path       Type      Accessor    Description",
      "----       ----      --------    -----------",
      "secret/    kv        kv_2        key/value secret storage",
      "sys/       system    system_1    system endpoints",
      "",
    ].join("\n"),
  );
  const detailed = await run(peer, ["secrets", "list", "-detailed"]);
  t.match(detailed.out, /secret\/ +kv +kv_2 +1h +system +false +replicated +false +map\[version:2\]/);
  const json = await run(peer, ["secrets", "list", "-format=json"]);
  t.same(Object.keys(JSON.parse(json.out)), ["sys/", "secret/"]);
  peer.on("POST", "sys/mounts/secret/tune", {});
  const tune = await run(peer, ["secrets", "tune", "-default-lease-ttl=1h", "-description=x", "secret"]);
  t.equal(tune.out, "Success! Tuned the secrets engine at: secret/\n");
  t.same(peer.calls("POST", "sys/mounts/secret/tune")[0]?.json, { default_lease_ttl: "1h", description: "x" });
  peer.on("DELETE", "sys/mounts/team/", {});
  const disable = await run(peer, ["secrets", "disable", "team"]);
  t.equal(disable.out, "Success! Disabled the secrets engine (if it existed) at: team/\n");
  peer.on("POST", "sys/remount", {});
  const move = await run(peer, ["secrets", "move", "secret", "generic"]);
  t.same(peer.calls("POST", "sys/remount")[0]?.json, { from: "secret/", to: "generic/" });
  t.equal(move.out, "Success! Moved secrets engine secret/ to: generic/\n");
  peer.on("POST", "sys/mounts/sys/", { status: 403, body: { errors: ['cannot mount "sys/"'] } });
  const refused = await run(peer, ["secrets", "enable", "-path=sys", "kv"]);
  t.equal(refused.code, 2);
  t.match(refused.err, /^Error enabling: sys\/: Error making API request\.[\s\S]*Code: 403/);
});

t.test("usage errors exit 1, unknown commands 127, help exits 0", async (t) => {
  const peer = await startPeer(t);
  const tooMany = await run(peer, ["list", "a", "b"]);
  t.equal(tooMany.code, 1);
  t.equal(tooMany.err, "Too many arguments (expected 1, got 2)\n");
  const tooFew = await run(peer, ["read"]);
  t.equal(tooFew.err, "Not enough arguments (expected at least 1, got 0)\n");
  const badFlag = await run(peer, ["status", "-nope"]);
  t.equal(badFlag.code, 1);
  t.equal(badFlag.err, "flag provided but not defined: -nope\n");
  const badFormat = await run(peer, ["status", "-format=xml"]);
  t.equal(badFormat.code, 1);
  t.equal(badFormat.err, "Invalid output format: xml\n");
  t.equal((await run(peer, ["frobnicate"])).code, 127);
  const help = await run(peer, ["kv", "get", "-help"]);
  t.equal(help.code, 0);
  t.match(help.out, /^Usage: coffer kv get \[options\] KEY\n[\s\S]*HTTP Options:[\s\S]*-address=<string>/);
  const group = await run(peer, ["operator"]);
  t.equal(group.code, 1);
  t.match(group.err, /Subcommands:[\s\S]*init +Initialize a new server[\s\S]*raft +Manage the integrated/);
  t.equal(peer.requests.length, 0, "no request for a usage error");
  const version = await run(peer, ["version"]);
  t.match(version.out, /^Coffer v\d+\.\d+\.\d+\n$/);
});

t.test("TLS settings reach the connection: a CA file that does not exist is a clear error", async (t) => {
  const io = captureIo({ env: { VAULT_ADDR: "https://127.0.0.1:9", VAULT_CACERT: "/nonexistent/ca.pem" } });
  t.equal(await runCli(["read", "secret/x"], io), 1);
  t.match(io.err(), /ENOENT.*\/nonexistent\/ca\.pem/);
});

t.test("a 307 from a standby is followed to the active node", async (t) => {
  const active = await startPeer(t);
  active.on("GET", "secret/foo", { body: { data: { where: "active" } } });
  const standby = await startPeer(t);
  standby.on("GET", "secret/foo", { status: 307, headers: { Location: `${active.address}/v1/secret/foo` } });
  const result = await run(standby, ["read", "-field=where", "secret/foo"]);
  t.equal(result.out, "active");
  t.equal(active.calls("GET", "secret/foo")[0]?.headers["x-vault-token"], "root-token");
});

t.test("the coffer executable exits with the CLI's code and does not linger", async (t) => {
  const peer = await startPeer(t);
  peer.on("GET", "sys/seal-status", { body: { ...unsealedStatus, sealed: true } });
  peer.on("GET", "sys/leader", { body: { ha_enabled: false } });
  const bin = fileURLToPath(new URL("../server/bin.js", import.meta.url));
  const home = await mkdtemp(join(tmpdir(), "coffer-bin-"));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  await writeFile(join(home, ".vault-token"), "from-helper");
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, "status"], {
      env: { PATH: process.env["PATH"] ?? "", HOME: home, VAULT_ADDR: peer.address },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (exitCode) => resolve({ code: exitCode, stdout: output }));
  });
  t.equal(code, 2, "sealed -> 2 through the real process");
  t.match(stdout, /Sealed +true/);
  t.equal(peer.calls("GET", "sys/leader")[0]?.headers["x-vault-token"], "from-helper", "token helper file under $HOME");
  t.match(await readFile(bin, "utf8"), /^#!\/usr\/bin\/env node\n/);
});
