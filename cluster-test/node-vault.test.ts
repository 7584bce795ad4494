/**
 * node-vault (the npm Vault client, written by others) against a real
 * `coffer server` process: init, unseal, mount, write, read, list, delete.
 */
import nodeVault from "node-vault";
import t from "tap";
import { freePortPair, ServerProcess, TempDir } from "./harness/index.js";

/** node-vault rejects with an error carrying `response.statusCode`. */
async function statusOfFailure(call: Promise<unknown>): Promise<number | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return (error as { response?: { statusCode?: number } }).response?.statusCode;
  }
}

t.test("node-vault initializes, unseals and uses a KV mount on a real server", async (t) => {
  const temp = new TempDir();
  t.teardown(() => temp.cleanup());
  const port = await freePortPair();
  const endpoint = `http://127.0.0.1:${port}`;
  const config = temp.file(
    "coffer.hcl",
    `storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\napi_addr = "${endpoint}"\n`,
  );
  const server = await ServerProcess.start(endpoint, { args: [`-config=${config}`] });
  t.teardown(() => server.kill());

  const vault = nodeVault({ apiVersion: "v1", endpoint });
  t.same(await vault.initialized(), { initialized: false });
  const init = await vault.init({ secret_shares: 3, secret_threshold: 2 });
  t.equal(init.keys.length, 3, "three key shares");
  t.match(init.root_token, /^hvs\./);
  t.match(await vault.status(), { sealed: true, t: 2, n: 3, progress: 0 });
  t.match(await vault.unseal({ key: init.keys[0] }), { sealed: true, progress: 1 });
  t.match(await vault.unseal({ key: init.keys[2] }), { sealed: false });
  vault.token = init.root_token;

  await vault.mount({ mount_point: "app", type: "kv", description: "node-vault test" });
  const mounts = await vault.mounts();
  t.equal(mounts["app/"].type, "kv", "the mount is listed (node-vault reads top-level keys)");

  await vault.write("app/db", { username: "svc", password: "pa55" });
  await vault.write("app/nested/one", { value: 1 });
  const secret = await vault.read("app/db");
  t.same(secret.data, { username: "svc", password: "pa55" }, "read returns what was written");
  t.equal(secret.lease_duration, 2764800, "KV v1 reports the mount's default lease duration");

  const listed = await vault.list("app/");
  t.same(listed.data.keys, ["db", "nested/"], "list uses the LIST verb and sees folders");

  await vault.delete("app/db");
  t.equal(await statusOfFailure(vault.read("app/db")), 404, "a deleted secret is a 404");
  const stranger = nodeVault({ apiVersion: "v1", endpoint, token: "hvs.wrong" });
  t.equal(await statusOfFailure(stranger.read("app/nested/one")), 403, "a wrong token is refused");

  await vault.seal();
  t.match(await vault.status(), { sealed: true }, "sealed through the API");
});
