/**
 * The `coffer` CLI against real `coffer server` processes: every command
 * group the server implements, its output and its exit codes. Most commands
 * run in-process through runCli (the same code the executable runs); the
 * ones where the process boundary matters (stdin, exit code, a bad config
 * file) run the built executable.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { runCli } from "../src/cli/index.js";
import { captureIo } from "../src/cli/testing.js";
import { cofferBin, freePortPair, ServerProcess, TempDir } from "./harness/index.js";

interface Result {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function cliAt(address: string, token: string | undefined) {
  return async (argv: string[], stdin?: string): Promise<Result> => {
    const io = captureIo({ env: { VAULT_ADDR: address, ...(token ? { VAULT_TOKEN: token } : {}) }, stdin });
    const code = await runCli(argv, io);
    return { code, out: io.out(), err: io.err() };
  };
}

function executable(
  address: string,
  argv: string[],
  input?: string,
  env: Readonly<Record<string, string>> = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cofferBin, ...argv], {
    env: { PATH: process.env["PATH"] ?? "", HOME: "/nonexistent", VAULT_ADDR: address, ...env },
    encoding: "utf8",
    input: input ?? "",
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

t.test("the dev server as `npm start` runs it: healthy, and its printed root token writes and reads", async (t) => {
  // `npm start` runs `coffer server -dev`; only the address differs here, so tests can run beside a dev server.
  const temp = new TempDir();
  t.teardown(() => temp.cleanup());
  const port = await freePortPair();
  const url = `http://127.0.0.1:${port}`;
  const server = await ServerProcess.start(url, {
    args: ["-dev", `-dev-listen-address=127.0.0.1:${port}`],
    env: { HOME: temp.path },
  });
  t.teardown(() => server.stop());
  const health = await fetch(`${url}/v1/sys/health`);
  t.equal(health.status, 200);
  t.match(await health.json(), { initialized: true, sealed: false, standby: false });
  const printed = /^Root Token: (hvs\.\S+)$/m.exec(server.stdout)?.[1];
  t.ok(printed, "the root token is printed");
  const token = String(printed);
  t.equal(
    readFileSync(join(temp.path, ".vault-token"), "utf8"),
    token,
    "and stored in ~/.vault-token, as Vault's dev mode does",
  );

  const write = executable(url, ["write", "secret/x", "a=1"], undefined, { VAULT_TOKEN: token });
  t.equal(write.status, 0, write.stderr);
  const read = executable(url, ["read", "-format=json", "secret/x"], undefined, { VAULT_TOKEN: token });
  t.equal(read.status, 0, read.stderr);
  t.match(JSON.parse(read.stdout), { data: { a: "1" } }, "the value written is read back");
  const table = executable(url, ["read", "secret/x"], undefined, { VAULT_TOKEN: token });
  t.match(table.stdout, /\na +1\n/, "the table output shows it too");
  const anonymous = executable(url, ["read", "secret/x"]);
  t.equal(anonymous.status, 2, "without the token: refused (exit 2, as Vault's CLI)");
  t.match(anonymous.stderr, /permission denied/);
});

t.test("against a dev server", async (t) => {
  const server = await ServerProcess.dev();
  t.teardown(() => server.stop());
  const coffer = cliAt(server.url, "root");

  await t.test("status", async (t) => {
    const status = await coffer(["status"]);
    t.equal(status.code, 0);
    t.match(
      status.out,
      /^Key +Value\n--- +-----\nSeal Type +shamir\nInitialized +true\nSealed +false\nTotal Shares +1\nThreshold +1\n/,
    );
    t.match(status.out, /Storage Type +inmem\n/);
    const json = JSON.parse((await coffer(["status", "-format=json"])).out);
    t.match(json, { type: "shamir", initialized: true, sealed: false, t: 1, n: 1 });
  });

  await t.test("kv on the dev secret/ mount (version 2)", async (t) => {
    const put = await coffer(["kv", "put", "secret/app/db", "password=s3cret", "user=app"]);
    t.equal(put.code, 0, put.err);
    t.match(put.out, /^=== Secret Path ===\nsecret\/data\/app\/db\n\n======= Metadata =======\n[\s\S]*version +1\n$/);
    const get = await coffer(["kv", "get", "secret/app/db"]);
    t.match(get.out, /====== Data ======\nKey +Value\n--- +-----\npassword +s3cret\nuser +app\n$/);
    t.equal((await coffer(["kv", "get", "-field=password", "secret/app/db"])).out, "s3cret");
    t.equal((await coffer(["kv", "get", "-mount=secret", "-field=user", "app/db"])).out, "app");
    await coffer(["kv", "patch", "secret/app/db", "user=changed"]);
    const patched = JSON.parse((await coffer(["kv", "get", "-format=json", "secret/app/db"])).out);
    t.same(patched.data.data, { password: "s3cret", user: "changed" }, "patch keeps the other keys");
    t.equal(patched.data.metadata.version, 2);
    const conflict = await coffer(["kv", "put", "-cas=1", "secret/app/db", "password=x"]);
    t.equal(conflict.code, 2, "a check-and-set conflict is an API error");
    t.match(
      conflict.err,
      /^Error writing data to secret\/data\/app\/db: Error making API request\.\n\nURL: PUT .*\nCode: 400\./,
    );
    t.equal((await coffer(["kv", "get", "-version=1", "-field=user", "secret/app/db"])).out, "app");
    t.equal((await coffer(["kv", "list", "secret/app"])).out, "Keys\n----\ndb\n");
    t.equal((await coffer(["kv", "delete", "secret/app/db"])).code, 0);
    t.equal((await coffer(["kv", "get", "-field=password", "secret/app/db"])).code, 2, "a deleted version has no data");
    t.equal((await coffer(["kv", "undelete", "-versions=2", "secret/app/db"])).code, 0);
    t.equal((await coffer(["kv", "get", "-field=user", "secret/app/db"])).out, "changed");
    t.equal((await coffer(["kv", "rollback", "-version=1", "secret/app/db"])).code, 0);
    t.equal(
      (await coffer(["kv", "get", "-field=user", "secret/app/db"])).out,
      "app",
      "rollback wrote version 1's data",
    );
    await coffer(["kv", "metadata", "put", "-max-versions=5", "-custom-metadata=owner=ops", "secret/app/db"]);
    const metadata = await coffer(["kv", "metadata", "get", "secret/app/db"]);
    t.match(metadata.out, /max_versions +5\n/);
    t.match(metadata.out, /custom_metadata +map\[owner:ops\]\n/);
    t.match(metadata.out, /====== Version 3 ======\n/);
    t.equal((await coffer(["kv", "destroy", "-versions=1", "secret/app/db"])).code, 0);
    t.equal((await coffer(["kv", "metadata", "delete", "secret/app/db"])).code, 0);
    const gone = await coffer(["kv", "get", "secret/app/db"]);
    t.equal(gone.code, 2);
    t.equal(gone.err, "No value found at secret/data/app/db\n");
  });

  await t.test("generic read/write/list/delete on the KV v2 secret/ mount use the versioned API", async (t) => {
    // Vault's CLI refuses these with "Invalid path for a versioned K/V secrets engine"; Coffer's follows through.
    t.equal((await coffer(["write", "secret/x", "a=1"])).out, "Success! Data written to: secret/x\n");
    t.equal((await coffer(["read", "-field=a", "secret/x"])).out, "1");
    t.match((await coffer(["read", "secret/x"])).out, /^Key +Value\n--- +-----\na +1\n$/);
    t.equal((await coffer(["list", "secret/"])).out, "Keys\n----\nx\n");
    const raw = JSON.parse((await coffer(["read", "-format=json", "secret/data/x"])).out);
    t.same(raw.data.data, { a: "1" }, "an explicit data/ path is sent unchanged");
    t.equal((await coffer(["delete", "secret/x"])).code, 0);
    const deleted = await coffer(["read", "secret/x"]);
    t.equal(deleted.code, 2, "a deleted version reads as nothing");
    t.equal(deleted.err, "No value found at secret/x\n");
    t.equal((await coffer(["read", "secret/never"])).code, 2);
  });

  await t.test("secrets enable/list/tune/disable and generic read/write/list/delete on KV version 1", async (t) => {
    const enable = await coffer(["secrets", "enable", "-path=team", "-description=team secrets", "kv"]);
    t.equal(enable.out, "Success! Enabled the kv secrets engine at: team/\n", enable.err);
    t.match((await coffer(["secrets", "list"])).out, /\nteam\/ +kv +kv_[0-9a-f]+ +team secrets\n/);
    t.equal((await coffer(["secrets", "tune", "-max-lease-ttl=72h", "team/"])).code, 0);
    const mounts = JSON.parse((await coffer(["secrets", "list", "-format=json"])).out);
    t.equal(mounts["team/"].config.max_lease_ttl, 72 * 3600);
    t.equal((await coffer(["write", "team/app", "a=1", "b=two"])).out, "Success! Data written to: team/app\n");
    const read = await coffer(["read", "team/app"]);
    t.match(
      read.out,
      /^Key +Value\n--- +-----\nrefresh_interval +72h\na +1\nb +two\n$/,
      "the tuned max TTL caps the refresh interval",
    );
    t.equal((await coffer(["kv", "get", "-field=b", "team/app"])).out, "two", "kv get works on version 1 too");
    t.equal((await coffer(["list", "team/"])).out, "Keys\n----\napp\n");
    t.equal((await coffer(["delete", "team/app"])).code, 0);
    const missing = await coffer(["read", "team/app"]);
    t.equal(missing.code, 2);
    t.equal(missing.err, "No value found at team/app\n");
    t.equal((await coffer(["list", "team/"])).code, 2, "an empty list exits 2");
    t.equal(
      (await coffer(["secrets", "disable", "team"])).out,
      "Success! Disabled the secrets engine (if it existed) at: team/\n",
    );
    const help = await coffer(["path-help", "secret/"]);
    t.equal(help.code, 0);
    t.ok(help.out.length > 0, "path-help prints the backend's help");
  });

  await t.test("policies", async (t) => {
    const write = await coffer(
      ["policy", "write", "app", "-"],
      'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n',
    );
    t.equal(write.out, "Success! Uploaded policy: app\n", write.err);
    t.match((await coffer(["policy", "list"])).out, /^app\ndefault\nroot\n$/m);
    t.match((await coffer(["policy", "read", "app"])).out, /path "secret\/data\/app\/\*"/);
    t.equal((await coffer(["policy", "delete", "app"])).out, "Success! Deleted policy: app\n");
    t.equal((await coffer(["policy", "read", "app"])).code, 2);
  });

  await t.test("keyring and errors from the server", async (t) => {
    t.match(
      (await coffer(["operator", "key-status"])).out,
      /^Key Term +1\nInstall Time +\d\d \w{3} \d\d \d\d:\d\d UTC\n/,
    );
    t.match((await coffer(["operator", "rotate"])).out, /^Success! Rotated key\n\nKey Term +2\n/);
    const denied = await cliAt(server.url, "not-a-token")(["read", "secret/data/x"]);
    t.equal(denied.code, 2);
    t.match(
      denied.err,
      /^Error reading secret\/data\/x: Error making API request\.\n\nURL: GET .*\/v1\/secret\/data\/x\nCode: 403\. Errors:\n\n\* .*permission denied/,
    );
    const noRoute = await coffer(["read", "nowhere/x"]);
    t.equal(noRoute.code, 2);
  });
});

t.test("against a config-file server: init, unseal from stdin through the executable, seal", async (t) => {
  const temp = new TempDir();
  t.teardown(() => temp.cleanup());
  const port = await freePortPair();
  const address = `http://127.0.0.1:${port}`;
  const config = temp.file(
    "coffer.hcl",
    `storage "file" {\n  path = "${temp.path}/data"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\n`,
  );
  const server = await ServerProcess.start(address, { args: [`-config=${config}`] });
  t.teardown(() => server.stop());

  t.equal(executable(address, ["operator", "init", "-status"]).status, 2, "not initialized: init -status exits 2");
  const init = executable(address, ["operator", "init", "-key-shares=3", "-key-threshold=2"]);
  t.equal(init.status, 0, init.stderr);
  const keys = [...init.stdout.matchAll(/^Unseal Key \d: (\S+)$/gm)].map((match) => match[1] as string);
  const rootToken = /^Initial Root Token: (\S+)$/m.exec(init.stdout)?.[1];
  t.equal(keys.length, 3);
  t.ok(rootToken);
  t.equal(executable(address, ["status"]).status, 2, "sealed: status exits 2");
  const first = executable(address, ["operator", "unseal"], `${keys[0]}\n`);
  t.equal(first.status, 0, first.stderr);
  t.match(first.stdout, /Unseal Progress +1\/2\n/);
  const second = executable(address, ["operator", "unseal", keys[1] as string]);
  t.match(second.stdout, /Sealed +false\n/);
  t.equal(executable(address, ["status"]).status, 0);
  const coffer = cliAt(address, rootToken);
  t.equal((await coffer(["operator", "seal"])).out, "Success! Vault is sealed.\n");
  t.equal(executable(address, ["status"]).status, 2);
  const wrong = executable(address, ["operator", "unseal", "bm90IGEga2V5"]);
  t.equal(wrong.status, 2);
  t.match(wrong.stderr, /^Error unsealing: Error making API request\./);
});

t.test("coffer server with an invalid config file exits 1 naming the file and line", async (t) => {
  const temp = new TempDir();
  t.teardown(() => temp.cleanup());
  const config = temp.file(
    "bad.hcl",
    'storage "inmem" {}\nlistener "tcp" {\n  tls_disable = true\n  adress = "127.0.0.1:1"\n}\n',
  );
  const result = spawnSync(process.execPath, [cofferBin, "server", `-config=${config}`], {
    encoding: "utf8",
    timeout: 30_000,
  });
  t.equal(result.status, 1);
  t.match(result.stderr, `${config}:4:3: listener "tcp": unknown key "adress" (did you mean "address"?)`);
});
