/**
 * The client's TLS settings against a real HTTPS peer, with certificates made
 * by openssl for this run: CA file, CA directory, skip-verify, server name
 * and client certificates.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { runCli } from "./index.js";
import { captureIo, VaultPeer } from "./testing.js";

function openssl(args: string[], cwd: string): void {
  const result = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr}`);
}

/** A CA, a server certificate for DNS:coffer.test only, and a client certificate, all signed by the CA. */
function makeCertificates(dir: string): void {
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-subj",
      "/CN=test-ca",
      "-days",
      "2",
    ],
    dir,
  );
  for (const [name, extension] of [
    ["server", "subjectAltName=DNS:coffer.test\nextendedKeyUsage=serverAuth"],
    ["client", "extendedKeyUsage=clientAuth"],
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), `${extension}\n`);
    openssl(
      [
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.csr`,
        "-subj",
        `/CN=${name}`,
      ],
      dir,
    );
    openssl(
      [
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        `${name}.pem`,
        "-days",
        "2",
        "-extfile",
        `${name}.ext`,
      ],
      dir,
    );
  }
}

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

t.test("TLS settings", { skip: hasOpenssl ? false : "openssl is not installed" }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "coffer-cli-tls-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  makeCertificates(dir);
  const file = (name: string) => join(dir, name);
  const peer = await new VaultPeer().start({
    key: readFileSync(file("server.key")),
    cert: readFileSync(file("server.pem")),
    ca: readFileSync(file("ca.pem")),
    requestCert: true,
    rejectUnauthorized: false,
  });
  t.teardown(() => peer.close());
  peer.on("GET", "secret/x", { body: { data: { value: "ok" } } });
  const read = async (env: Record<string, string>) => {
    const io = captureIo({ env: { VAULT_ADDR: peer.address, VAULT_TOKEN: "t", ...env } });
    const code = await runCli(["read", "-field=value", "secret/x"], io);
    return { code, out: io.out(), err: io.err() };
  };

  const untrusted = await read({});
  t.equal(untrusted.code, 2, "an unknown CA is refused");
  t.match(
    untrusted.err,
    /^Error reading secret\/x: Get "https:\/\/127\.0\.0\.1:\d+\/v1\/secret\/x": .*(self-signed|unable to verify|certificate)/i,
  );

  const wrongName = await read({ VAULT_CACERT: file("ca.pem") });
  t.equal(wrongName.code, 2, "the certificate is for coffer.test, not 127.0.0.1");
  t.match(wrongName.err, /coffer\.test|altnames|IP: 127\.0\.0\.1/i);

  t.equal(
    (await read({ VAULT_CACERT: file("ca.pem"), VAULT_TLS_SERVER_NAME: "coffer.test" })).out,
    "ok",
    "CA file + server name",
  );
  const caDir = join(dir, "cas");
  mkdirSync(caDir);
  writeFileSync(join(caDir, "ca.pem"), readFileSync(file("ca.pem")));
  t.equal((await read({ VAULT_CAPATH: caDir, COFFER_TLS_SERVER_NAME: "coffer.test" })).out, "ok", "CA directory");
  t.equal((await read({ VAULT_SKIP_VERIFY: "true" })).out, "ok", "skip verify");
  t.equal((await read({ COFFER_SKIP_VERIFY: "1", VAULT_SKIP_VERIFY: "false" })).out, "ok", "COFFER_SKIP_VERIFY wins");
});

t.test("client certificates", { skip: hasOpenssl ? false : "openssl is not installed" }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "coffer-cli-mtls-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  makeCertificates(dir);
  const file = (name: string) => join(dir, name);
  const peer = await new VaultPeer().start({
    key: readFileSync(file("server.key")),
    cert: readFileSync(file("server.pem")),
    ca: readFileSync(file("ca.pem")),
    requestCert: true,
    rejectUnauthorized: true,
  });
  t.teardown(() => peer.close());
  peer.on("GET", "sys/seal-status", { body: { type: "shamir", initialized: true, sealed: false, t: 1, n: 1 } });
  peer.on("GET", "sys/leader", { body: { ha_enabled: false } });
  const base = { VAULT_ADDR: peer.address, VAULT_CACERT: file("ca.pem"), VAULT_TLS_SERVER_NAME: "coffer.test" };
  const without = captureIo({ env: base });
  t.equal(await runCli(["status"], without), 1, "no client certificate: the handshake fails");
  const withCert = captureIo({
    env: { ...base, VAULT_CLIENT_CERT: file("client.pem"), VAULT_CLIENT_KEY: file("client.key") },
  });
  t.equal(await runCli(["status"], withCert), 0, withCert.err());
  const viaFlags = captureIo({ env: { VAULT_ADDR: peer.address } });
  const code = await runCli(
    [
      "status",
      `-ca-cert=${file("ca.pem")}`,
      "-tls-server-name=coffer.test",
      `-client-cert=${file("client.pem")}`,
      `-client-key=${file("client.key")}`,
    ],
    viaFlags,
  );
  t.equal(code, 0, viaFlags.err());
});
