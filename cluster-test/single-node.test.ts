/**
 * The single-node issue's "Done when", end to end against real `coffer
 * server` processes and the real `coffer` CLI: a sealed on-disk server from
 * a config file, restart behaviour, what is on disk, TLS, and bad input.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import t from "tap";
import { api, cofferBin, freePortPair, ServerProcess, TempDir } from "./harness/index.js";

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(address: string, args: string[], token?: string): CliResult {
  const result = spawnSync(process.execPath, [cofferBin, ...args], {
    env: { ...process.env, VAULT_ADDR: address, VAULT_TOKEN: token ?? "", HOME: "/nonexistent" },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function fileConfig(dataDir: string, port: number, extraListener = ""): string {
  return `
storage "file" {
  path = "${dataDir}"
}

listener "tcp" {
  address     = "127.0.0.1:${port}"
  tls_disable = true
  ${extraListener}
}

api_addr = "http://127.0.0.1:${port}"
`;
}

/** Every file under `dir`, as bytes. */
function filesUnder(dir: string): Buffer[] {
  const contents: Buffer[] = [];
  for (const name of readdirSync(dir, { recursive: true })) {
    const path = join(dir, String(name));
    if (statSync(path).isFile()) contents.push(readFileSync(path));
  }
  return contents;
}

t.test(
  "a sealed on-disk server: init 5/3, unseal, restart sealed, unseal again, nothing readable on disk",
  async (t) => {
    const temp = new TempDir();
    t.teardown(() => temp.cleanup());
    const port = await freePortPair();
    const address = `http://127.0.0.1:${port}`;
    const dataDir = join(temp.path, "data");
    const configFile = temp.file("coffer.hcl", fileConfig(dataDir, port));

    let server = await ServerProcess.start(address, { args: [`-config=${configFile}`] });
    t.teardown(() => server.kill());

    const health = await api(address, "GET", "sys/health");
    t.equal(health.status, 501, "an uninitialized server answers health with 501");
    t.equal((await api(address, "GET", "sys/health?uninitcode=299")).status, 299, "uninitcode overrides the code");
    t.equal(
      (await api(address, "GET", "sys/health?sealedcode=abc")).status,
      400,
      "a code that is not a number is a 400",
    );
    t.equal((await fetch(`${address}/v1/sys/health`, { method: "HEAD" })).status, 501, "HEAD answers the status only");
    const pgp = await api(address, "PUT", "sys/init", {
      body: { secret_shares: 1, secret_threshold: 1, pgp_keys: ["a"] },
    });
    t.equal(pgp.status, 400, "pgp_keys are refused with a 400");
    t.match(String((pgp.body.errors as string[])[0]), /not supported/);
    t.match((await api(address, "GET", "sys/init")).body, { initialized: false }, "and nothing was initialized");

    const init = cli(address, ["operator", "init", "-key-shares=5", "-key-threshold=3", "-format=json"]);
    t.equal(init.status, 0, `init succeeds: ${init.stderr}`);
    const { unseal_keys_b64: keys, root_token: rootToken } = JSON.parse(init.stdout) as {
      unseal_keys_b64: string[];
      root_token: string;
    };
    t.equal(keys.length, 5, "five key shares");
    t.match(rootToken, /^hvs\.[A-Za-z0-9]{24}$/, "a Vault-shaped root token");

    for (const key of keys.slice(0, 3)) t.equal(cli(address, ["operator", "unseal", key]).status, 0);
    t.equal(cli(address, ["status"]).status, 0, "status exits 0 once unsealed");

    t.equal(cli(address, ["secrets", "enable", "-path=kv", "kv"], rootToken).status, 0);
    const secretValue = "s3cr3t-value-9f8e7d";
    t.equal(cli(address, ["write", "kv/app", `password=${secretValue}`], rootToken).status, 0);
    const read = cli(address, ["read", "-field=password", "kv/app"], rootToken);
    t.equal(read.stdout.trim(), secretValue, "the secret reads back");

    t.equal(await server.stop(), 0, "SIGTERM stops the server cleanly");
    server = await ServerProcess.start(address, { args: [`-config=${configFile}`] });

    t.equal((await api(address, "GET", "sys/health")).status, 503, "restarted server is sealed: health 503");
    t.equal((await api(address, "GET", "sys/health?sealedcode=200")).status, 200, "sealedcode overrides the code");
    t.match(
      (await api(address, "GET", "sys/leader")).body,
      { ha_enabled: false },
      "single-node storage: HA off, even sealed",
    );
    const sealedRead = await api(address, "GET", "kv/app", { token: rootToken });
    t.equal(sealedRead.status, 503, "a secret read while sealed is 503");
    t.same(sealedRead.body, { errors: ["Vault is sealed"] });
    const status = await api(address, "GET", "sys/seal-status");
    t.match(status.body, { sealed: true, initialized: true, t: 3, n: 5, progress: 0 }, "progress 0/3");
    t.equal(cli(address, ["status"]).status, 2, "`coffer status` exits 2 when sealed");

    for (const key of keys.slice(2, 5)) cli(address, ["operator", "unseal", key]);
    t.equal((await api(address, "GET", "sys/health?activecode=204")).status, 204, "activecode overrides the code");
    const spec = await api(address, "GET", "sys/internal/specs/openapi", { token: rootToken });
    t.equal(spec.body.openapi, "3.0.2", "an OpenAPI 3 document of the mounted paths");
    t.ok(Object.keys(spec.body.paths as object).includes("/kv/{path}"), "it includes the kv mount's paths");
    t.equal(
      cli(address, ["read", "-field=password", "kv/app"], rootToken).stdout.trim(),
      secretValue,
      "the secret is back",
    );

    await server.stop();
    const disk = filesUnder(dataDir);
    t.ok(disk.length > 0, "the data directory has files");
    for (const needle of [secretValue, rootToken, rootToken.slice(4)]) {
      t.notOk(
        disk.some((bytes) => bytes.includes(needle)),
        `no file in the data directory contains ${needle === secretValue ? "the secret value" : "the root token"}`,
      );
    }
    t.ok(
      disk.some((bytes) => bytes.includes("secret_threshold")),
      "the scan does read the data (the plaintext seal config is found)",
    );
  },
);

t.test("bad input gets Vault's errors and never crashes the server or changes data", async (t) => {
  const temp = new TempDir();
  t.teardown(() => temp.cleanup());
  const port = await freePortPair();
  const address = `http://127.0.0.1:${port}`;
  const configFile = temp.file("coffer.hcl", fileConfig(join(temp.path, "data"), port, "max_request_size = 4096"));
  const server = await ServerProcess.start(address, { args: [`-config=${configFile}`] });
  t.teardown(() => server.kill());

  const init = await api(address, "PUT", "sys/init", { body: { secret_shares: 3, secret_threshold: 2 } });
  const keys = (init.body as { keys_base64: string[] }).keys_base64;
  const rootToken = (init.body as { root_token: string }).root_token;

  // A wrong key after the threshold is reached: clear error, still sealed, progress reset.
  const other = await api(address, "PUT", "sys/unseal", { body: { key: keys[0] } });
  t.match(other.body, { sealed: true, progress: 1 });
  const wrongKey = Buffer.alloc(33, 7).toString("base64");
  const wrong = await api(address, "PUT", "sys/unseal", { body: { key: wrongKey } });
  t.equal(wrong.status, 400, "a wrong share at the threshold is a 400");
  t.match(String((wrong.body.errors as string[])[0]), /invalid key/i);
  t.match(
    (await api(address, "GET", "sys/seal-status")).body,
    { sealed: true, progress: 0 },
    "still sealed, progress reset",
  );
  t.equal((await api(address, "PUT", "sys/unseal", { body: {} })).status, 400, "unseal without a key is a 400");
  t.equal((await api(address, "PUT", "sys/unseal", { body: { key: "not hex or base64!" } })).status, 400);

  await api(address, "PUT", "sys/unseal", { body: { key: keys[0] } });
  t.match((await api(address, "PUT", "sys/unseal", { body: { key: keys[1] } })).body, { sealed: false });

  await api(address, "POST", "sys/mounts/kv", { token: rootToken, body: { type: "kv" } });
  t.equal((await api(address, "PUT", "kv/keep", { token: rootToken, body: { value: "original" } })).status, 204);

  const malformed = await api(address, "PUT", "kv/keep", { token: rootToken, body: '{"value": "x",' });
  t.equal(malformed.status, 400, "malformed JSON is a 400");
  t.ok(Array.isArray(malformed.body.errors), "with an errors list");
  t.equal(
    (await api(address, "PUT", "kv/keep", { token: rootToken, body: "[1,2]" })).status,
    400,
    "a JSON array body is a 400",
  );

  const huge = await api(address, "PUT", "kv/keep", { token: rootToken, body: { value: "x".repeat(10_000) } });
  t.equal(huge.status, 413, "a body over max_request_size is a 413");

  const unknown = await api(address, "GET", "nothing/here", { token: rootToken });
  t.equal(unknown.status, 404, "an unknown path is a 404");
  t.match(String((unknown.body.errors as string[])[0]), /no handler for route/);
  t.equal((await api(address, "GET", "", { token: rootToken })).status, 404, "the bare /v1/ is a 404");
  t.equal((await fetch(`${address}/v2/sys/health`)).status, 404, "outside /v1/ is a 404");

  // fetch() would normalise these paths client-side; send them as written.
  for (const path of ["kv/../sys/mounts", "kv/./keep", "kv/%2e%2e/sys/mounts", "kv/a/../../cubbyhole/x", "kv/.."]) {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        { host: "127.0.0.1", port, path: `/v1/${path}`, headers: { "X-Vault-Token": rootToken } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on("error", reject);
      request.end();
    });
    t.equal(status, 400, `${path} is refused with 400`);
  }

  const noToken = await api(address, "GET", "kv/keep");
  t.equal(noToken.status, 403, "no token is a 403");
  t.same(noToken.body, { errors: ["permission denied"] });
  const badToken = await api(address, "GET", "kv/keep", { token: "hvs.not-a-real-token" });
  t.equal(badToken.status, 403, "a bad token is a 403");
  t.same(badToken.body, { errors: ["permission denied"] });
  const bearer = await api(address, "GET", "kv/keep", { headers: { Authorization: `Bearer ${rootToken}` } });
  t.equal(bearer.status, 200, "Authorization: Bearer works as X-Vault-Token");

  t.equal(
    (await api(address, "POST", "sys/seal-status")).status,
    405,
    "an unsupported method on a raw endpoint is a 405",
  );
  const patchWrongType = await api(address, "PATCH", "kv/keep", { token: rootToken, body: { value: "y" } });
  t.equal(patchWrongType.status, 415, "PATCH without merge-patch content type is a 415");
  const listVerb = await fetch(`${address}/v1/kv/`, { method: "LIST", headers: { "X-Vault-Token": rootToken } });
  t.same(((await listVerb.json()) as { data: { keys: string[] } }).data.keys, ["keep"], "the LIST verb lists");
  const listQuery = await api(address, "GET", "kv/?list=true", { token: rootToken });
  t.same((listQuery.body.data as { keys: string[] }).keys, ["keep"], "?list=true lists");

  t.equal(server.pid !== undefined && (await api(address, "GET", "sys/health")).status, 200, "the server still serves");
  const kept = await api(address, "GET", "kv/keep", { token: rootToken });
  t.same((kept.body.data as Record<string, unknown>).value, "original", "stored data is unchanged");
});

t.test("an invalid config file exits 1 naming the file and line", async (t) => {
  const temp = new TempDir();
  t.teardown(() => temp.cleanup());
  const bad = temp.file(
    "bad.hcl",
    'storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:1"\n  bogus_key = true\n}\n',
  );
  const result = spawnSync(process.execPath, [cofferBin, "server", `-config=${bad}`], {
    encoding: "utf8",
    timeout: 30_000,
  });
  t.equal(result.status, 1, "exit code 1");
  t.match(result.stderr, /bad\.hcl:4/, "the message names the file and the line of the bad key");
  const syntax = temp.file("syntax.hcl", 'storage "inmem" {\n  path = \n');
  const syntaxResult = spawnSync(process.execPath, [cofferBin, "server", `-config=${syntax}`], {
    encoding: "utf8",
    timeout: 30_000,
  });
  t.equal(syntaxResult.status, 1);
  t.match(syntaxResult.stderr, /syntax\.hcl:\d+/, "a syntax error names the file and line too");
});

const tlsTemp = new TempDir();
t.teardown(() => tlsTemp.cleanup());
const certFile = join(tlsTemp.path, "cert.pem");
const keyFile = join(tlsTemp.path, "key.pem");
const openssl = spawnSync(
  "openssl",
  [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-keyout",
    keyFile,
    "-out",
    certFile,
  ],
  { encoding: "utf8" },
);
const tlsSkip =
  openssl.status === 0 ? false : `openssl could not make a test certificate: ${openssl.stderr ?? openssl.error}`;

t.test("a TLS listener serves HTTPS with its certificate", { skip: tlsSkip }, async (t) => {
  const port = await freePortPair();
  const config = tlsTemp.file(
    "tls.hcl",
    `storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_cert_file = "${certFile}"\n  tls_key_file = "${keyFile}"\n}\napi_addr = "https://127.0.0.1:${port}"\n`,
  );
  const ca = readFileSync(certFile);
  const server = await ServerProcess.start(`https://127.0.0.1:${port}`, { args: [`-config=${config}`], ca });
  t.teardown(() => server.kill());
  const body = await new Promise<string>((resolve, reject) => {
    const request = httpsRequest(
      { host: "127.0.0.1", port, path: "/v1/sys/seal-status", ca, servername: "localhost" },
      (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on("end", () => resolve(text));
      },
    );
    request.on("error", reject);
    request.end();
  });
  t.match(JSON.parse(body), { initialized: false, sealed: true }, "seal-status over HTTPS, certificate verified");
  const plain = await fetch(`http://127.0.0.1:${port}/v1/sys/seal-status`).then(
    (response) => response.status,
    () => "refused",
  );
  t.not(plain, 200, "plain HTTP gets no API answer from a TLS listener");
  const tlsCli = spawnSync(process.execPath, [cofferBin, "status"], {
    env: { ...process.env, VAULT_ADDR: `https://127.0.0.1:${port}`, VAULT_CACERT: certFile },
    encoding: "utf8",
  });
  t.equal(tlsCli.status, 2, `the CLI talks HTTPS with VAULT_CACERT (exit 2: sealed) ${tlsCli.stderr}`);
  t.match(tlsCli.stdout, /Sealed\s+true/);
});
