import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import {
  type AwsKmsSealConfig,
  devConfig,
  loadConfigFile,
  parseConfig,
  type RaftStorageConfig,
  type ServerConfig,
  type TransitSealConfig,
} from "./index.js";

const noEnv = {};

const fullFile = `
# A production node, every stanza Coffer reads.
storage "raft" {
  path                         = "/var/lib/coffer"
  node_id                      = "coffer-0"
  performance_multiplier       = 1
  trailing_logs                = 5000
  snapshot_threshold           = 4096
  snapshot_interval            = "60s"
  max_entry_size               = 2097152
  autopilot_reconcile_interval = "5s"
  retry_join {
    leader_api_addr       = "https://coffer-1.coffer-internal:8200"
    leader_ca_cert_file   = "/etc/coffer/ca.pem"
    leader_tls_servername = "coffer"
  }
  retry_join {
    leader_api_addr         = "https://coffer-2.coffer-internal:8200"
    leader_client_cert_file = "/etc/coffer/client.pem"
    leader_client_key_file  = "/etc/coffer/client-key.pem"
  }
}

listener "tcp" {
  address              = "0.0.0.0:8200"
  cluster_address      = "0.0.0.0:8201"
  tls_cert_file        = "/etc/coffer/tls.crt"
  tls_key_file         = "/etc/coffer/tls.key"
  tls_client_ca_file   = "/etc/coffer/ca.pem"
  tls_min_version      = "tls13"
  max_request_size     = 1048576
  max_request_duration = "30s"
  telemetry {
    unauthenticated_metrics_access = true
  }
}

listener "tcp" {
  address     = "127.0.0.1:9200"
  tls_disable = 1
}

seal "awskms" {
  region     = "eu-west-1"
  kms_key_id = "alias/coffer"
  endpoint   = "http://127.0.0.1:4566"
}

api_addr          = "https://coffer-0.coffer-internal:8200"
cluster_addr      = "https://coffer-0.coffer-internal:8201"
cluster_name      = "prod"
ui                = true
log_level         = "Debug"
log_format        = "json"
default_lease_ttl = "1h"
max_lease_ttl     = "720h"
pid_file          = "/run/coffer.pid"
raw_storage_endpoint = true
disable_cache     = true
disable_mlock     = true
plugin_directory  = "/usr/lib/coffer/plugins"

telemetry {
  prometheus_retention_time = "30s"
  disable_hostname          = true
  statsd_address            = "127.0.0.1:8125"
}
`;

t.test("a full production file decodes into every typed field", async (t) => {
  const config = parseConfig(fullFile, "/etc/coffer/coffer.hcl", { env: noEnv });
  const storage = config.storage as RaftStorageConfig;
  t.equal(storage.type, "raft");
  t.equal(storage.path, "/var/lib/coffer");
  t.equal(storage.nodeId, "coffer-0");
  t.equal(storage.performanceMultiplier, 1);
  t.equal(storage.trailingLogs, 5000);
  t.equal(storage.snapshotThreshold, 4096);
  t.equal(storage.snapshotIntervalSeconds, 60);
  t.equal(storage.maxEntrySizeBytes, 2097152);
  t.equal(storage.autopilotReconcileIntervalMs, 5000);
  t.equal(storage.retryJoin.length, 2);
  t.match(storage.retryJoin[0], {
    leaderApiAddr: "https://coffer-1.coffer-internal:8200",
    leaderCaCertFile: "/etc/coffer/ca.pem",
    leaderTlsServerName: "coffer",
    leaderClientCertFile: undefined,
  });
  t.match(storage.retryJoin[1], {
    leaderClientCertFile: "/etc/coffer/client.pem",
    leaderClientKeyFile: "/etc/coffer/client-key.pem",
  });

  t.equal(config.listeners.length, 2);
  t.match(config.listeners[0], {
    address: "0.0.0.0:8200",
    clusterAddress: "0.0.0.0:8201",
    tlsDisable: false,
    tlsCertFile: "/etc/coffer/tls.crt",
    tlsKeyFile: "/etc/coffer/tls.key",
    tlsClientCaFile: "/etc/coffer/ca.pem",
    tlsMinVersion: "tls13",
    maxRequestSizeBytes: 1048576,
    maxRequestDurationMs: 30000,
    telemetry: { unauthenticatedMetricsAccess: true },
  });
  t.match(config.listeners[1], { address: "127.0.0.1:9200", clusterAddress: "127.0.0.1:9201", tlsDisable: true });

  t.same(config.seal, {
    type: "awskms",
    disabled: false,
    region: "eu-west-1",
    kmsKeyId: "alias/coffer",
    endpoint: "http://127.0.0.1:4566",
    accessKey: undefined,
    secretKey: undefined,
    sessionToken: undefined,
    sharedCredsFilename: undefined,
    sharedCredsProfile: undefined,
    roleArn: undefined,
    roleSessionName: undefined,
    webIdentityTokenFile: undefined,
  });
  t.equal(config.apiAddr, "https://coffer-0.coffer-internal:8200");
  t.equal(config.clusterAddr, "https://coffer-0.coffer-internal:8201");
  t.equal(config.clusterName, "prod");
  t.equal(config.ui, true);
  t.equal(config.logLevel, "debug");
  t.equal(config.logFormat, "json");
  t.equal(config.defaultLeaseTtlSeconds, 3600);
  t.equal(config.maxLeaseTtlSeconds, 720 * 3600);
  t.equal(config.pidFile, "/run/coffer.pid");
  t.equal(config.rawStorageEndpoint, true);
  t.equal(config.disableCache, true);
  t.equal(config.telemetry.prometheusRetentionSeconds, 30);
  t.equal(config.telemetry.disableHostname, true);
  t.same(config.sourceFiles, ["/etc/coffer/coffer.hcl"]);
  t.equal(config.warnings.length, 3, "disable_mlock, plugin_directory and statsd each warn");
  t.match(config.warnings.join("\n"), /disable_mlock.*cannot lock memory/);
  t.match(config.warnings.join("\n"), /plugin_directory/);
  t.match(config.warnings.join("\n"), /statsd_address.*Prometheus only/);
});

t.test("a minimal file gets Vault's defaults", async (t) => {
  const config = parseConfig(
    'storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:8300"\n  tls_disable = true\n}\n',
    "min.hcl",
    { env: noEnv },
  );
  t.same(config.storage, { type: "inmem" });
  t.same(config.seal, { type: "shamir", disabled: false });
  t.equal(config.disabledSeal, undefined);
  t.equal(config.apiAddr, "http://127.0.0.1:8300");
  t.equal(config.clusterAddr, "https://127.0.0.1:8301", "cluster port = API port + 1, always https");
  t.equal(config.defaultLeaseTtlSeconds, 768 * 3600);
  t.equal(config.maxLeaseTtlSeconds, 768 * 3600);
  t.equal(config.logLevel, "info");
  t.equal(config.logFormat, "standard");
  t.equal(config.ui, false);
  t.equal(config.listeners[0]?.maxRequestSizeBytes, 32 * 1024 * 1024);
  t.equal(config.listeners[0]?.maxRequestDurationMs, 90_000);
  t.equal(config.listeners[0]?.tlsMinVersion, "tls12");
  t.equal(config.telemetry.prometheusRetentionSeconds, 24 * 3600);
  t.same(config.warnings, []);
});

t.test("each storage type", async (t) => {
  const listener = 'listener "tcp" {\n tls_disable = true\n}\n';
  const file = parseConfig(`storage "file" { path = "/data" }\n${listener}`, "f.hcl", { env: noEnv });
  t.same(file.storage, { type: "file", path: "/data" });
  const raft = parseConfig(`storage "raft" { path = "/r" }\n${listener}`, "r.hcl", { env: noEnv });
  t.match(raft.storage, {
    type: "raft",
    path: "/r",
    nodeId: undefined,
    performanceMultiplier: 5,
    trailingLogs: 10000,
    snapshotThreshold: 8192,
    snapshotIntervalSeconds: 120,
    maxEntrySizeBytes: 1048576,
    retryJoin: [],
  });
  const zero = parseConfig(`storage "raft" {\n path = "/r"\n performance_multiplier = 0\n}\n${listener}`, "z.hcl", {
    env: noEnv,
  });
  t.equal((zero.storage as RaftStorageConfig).performanceMultiplier, 5, "0 means Vault's default of 5");
  const inline = parseConfig(
    `storage "raft" {\n path = "/r"\n retry_join {\n leader_api_addr = "http://a:8200"\n leader_ca_cert = <<EOF\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\nEOF\n }\n}\n${listener}`,
    "inline.hcl",
    { env: noEnv },
  );
  t.match((inline.storage as RaftStorageConfig).retryJoin[0]?.leaderCaCert, /BEGIN CERTIFICATE/);
});

t.test("each seal type", async (t) => {
  const base = 'storage "inmem" {}\nlistener "tcp" {\n tls_disable = true\n}\n';
  const transit = parseConfig(
    `${base}seal "transit" {\n address = "https://vault:8200"\n token = "s.x"\n key_name = "autounseal"\n mount_path = "transit/"\n tls_skip_verify = "true"\n}\n`,
    "t.hcl",
    { env: noEnv },
  ).seal as TransitSealConfig;
  t.match(transit, {
    type: "transit",
    address: "https://vault:8200",
    token: "s.x",
    keyName: "autounseal",
    mountPath: "transit/",
    tlsSkipVerify: true,
    disableRenewal: false,
  });
  const shamir = parseConfig(`${base}seal "shamir" {}\n`, "s.hcl", { env: noEnv });
  t.same(shamir.seal, { type: "shamir", disabled: false });
  const migration = parseConfig(
    `${base}seal "awskms" {\n kms_key_id = "k"\n disabled = true\n}\nseal "shamir" {}\n`,
    "m.hcl",
    { env: noEnv },
  );
  t.equal(migration.seal.type, "shamir");
  t.match(migration.disabledSeal, { type: "awskms", disabled: true, kmsKeyId: "k" });
});

t.test("JSON config files are read like HCL ones", async (t) => {
  const json = JSON.stringify({
    storage: { raft: { path: "/j", node_id: "j1", retry_join: [{ leader_api_addr: "https://a:8200" }] } },
    listener: [
      { tcp: { address: "127.0.0.1:8400", tls_disable: true } },
      { tcp: { address: "127.0.0.1:8500", tls_disable: "1" } },
    ],
    seal: { transit: { address: "https://v:8200", key_name: "k", mount_path: "transit" } },
    telemetry: { disable_hostname: true },
    ui: true,
    api_addr: "http://127.0.0.1:8400",
    max_lease_ttl: 7200,
    default_lease_ttl: "1h",
  });
  const config = parseConfig(json, "coffer.json", { env: noEnv });
  t.match(config.storage, { type: "raft", path: "/j", nodeId: "j1", retryJoin: [{ leaderApiAddr: "https://a:8200" }] });
  t.equal(config.listeners.length, 2);
  t.equal(config.listeners[1]?.tlsDisable, true);
  t.equal(config.seal.type, "transit");
  t.equal(config.maxLeaseTtlSeconds, 7200);
  t.equal(config.defaultLeaseTtlSeconds, 3600);
  t.equal(config.telemetry.disableHostname, true);
  t.equal(config.clusterAddr, "https://127.0.0.1:8401");
});

t.test("loadConfigFile reads from disk and names a missing file", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "coffer-config-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "server.hcl");
  await writeFile(path, fullFile);
  const config: ServerConfig = await loadConfigFile(path, { env: noEnv });
  t.equal(config.clusterName, "prod");
  const jsonPath = join(dir, "server.json");
  await writeFile(jsonPath, '{"storage": {"inmem": {}}, "listener": {"tcp": {"tls_disable": true}}}');
  t.same((await loadConfigFile(jsonPath, { env: noEnv })).storage, { type: "inmem" });
  await t.rejects(loadConfigFile(join(dir, "missing.hcl")), {
    name: "CofferError",
    code: "invalid_request",
    message: `${join(dir, "missing.hcl")}: cannot read config file: no such file`,
  });
});

t.test("environment overrides, COFFER_* over VAULT_* over the file", async (t) => {
  const file = `storage "raft" {\n path = "/file"\n node_id = "from-file"\n}\nlistener "tcp" {\n tls_disable = true\n}\napi_addr = "http://file:8200"\nlog_level = "info"\nseal "awskms" {\n kms_key_id = "file-key"\n endpoint = "http://file-kms"\n}\n`;
  const vault = parseConfig(file, "e.hcl", {
    env: {
      VAULT_API_ADDR: "https://vault-env:8200",
      VAULT_CLUSTER_ADDR: "http://vault-env:9201",
      VAULT_LOG_LEVEL: "TRACE",
      VAULT_RAFT_NODE_ID: "env-node",
      VAULT_RAFT_PATH: "/env",
      VAULT_AWSKMS_SEAL_KEY_ID: "env-key",
      AWS_REGION: "ap-south-1",
      AWS_KMS_ENDPOINT: "http://env-kms:4566",
      VAULT_UI: "true",
    },
  });
  t.equal(vault.apiAddr, "https://vault-env:8200");
  t.equal(vault.clusterAddr, "https://vault-env:9201", "cluster_addr's scheme is forced to https");
  t.equal(vault.logLevel, "trace");
  t.match(vault.storage, { path: "/env", nodeId: "env-node" });
  const seal = vault.seal as AwsKmsSealConfig;
  t.equal(seal.kmsKeyId, "env-key", "the key id variable wins over the file, as in go-kms-wrapping");
  t.equal(seal.region, "ap-south-1", "AWS_REGION fills a region the file leaves out");
  t.equal(seal.endpoint, "http://env-kms:4566");
  t.equal(vault.ui, true);

  const both = parseConfig(file, "e.hcl", {
    env: {
      VAULT_API_ADDR: "https://vault-env:8200",
      COFFER_API_ADDR: "https://coffer-env:8200",
      VAULT_RAFT_NODE_ID: "vault-node",
      COFFER_RAFT_NODE_ID: "coffer-node",
      COFFER_LOG_LEVEL: "warn",
      VAULT_LOG_LEVEL: "error",
      AWS_DEFAULT_REGION: "us-west-2",
    },
  });
  t.equal(both.apiAddr, "https://coffer-env:8200");
  t.equal(both.clusterAddr, "https://coffer-env:8201", "derived from the overridden api_addr");
  t.equal((both.storage as RaftStorageConfig).nodeId, "coffer-node");
  t.equal(both.logLevel, "warn");
  t.equal((both.seal as AwsKmsSealConfig).region, "us-west-2");

  const fileWins = parseConfig(
    file.replace('kms_key_id = "file-key"', 'kms_key_id = "file-key"\n region = "eu-central-1"'),
    "e.hcl",
    {
      env: { AWS_REGION: "ap-south-1" },
    },
  );
  t.equal((fileWins.seal as AwsKmsSealConfig).region, "eu-central-1", "a region in the file wins over AWS_REGION");
});

t.test("VAULT_SEAL_TYPE turns the implicit seal into an auto seal configured from the environment", async (t) => {
  const file = 'storage "inmem" {}\nlistener "tcp" {\n tls_disable = true\n}\n';
  const config = parseConfig(file, "s.hcl", {
    env: { VAULT_SEAL_TYPE: "awskms", VAULT_AWSKMS_SEAL_KEY_ID: "k-env", AWS_REGION: "eu-north-1" },
  });
  t.match(config.seal, { type: "awskms", kmsKeyId: "k-env", region: "eu-north-1" });
  const transit = parseConfig(file, "s.hcl", {
    env: {
      COFFER_SEAL_TYPE: "transit",
      VAULT_ADDR: "https://other:8200",
      VAULT_TOKEN: "tok",
      VAULT_TRANSIT_SEAL_KEY_NAME: "unseal",
      VAULT_TRANSIT_SEAL_MOUNT_PATH: "transit/",
    },
  });
  t.match(transit.seal, { type: "transit", address: "https://other:8200", token: "tok", keyName: "unseal" });
  const explicit = parseConfig(
    `${file}seal "transit" {\n address = "https://file:8200"\n key_name = "k"\n mount_path = "t/"\n}\n`,
    "s.hcl",
    {
      env: { VAULT_ADDR: "https://shell:8200", VAULT_TRANSIT_SEAL_KEY_NAME: "env-key" },
    },
  );
  t.match(
    explicit.seal,
    { address: "https://file:8200", keyName: "env-key" },
    "VAULT_ADDR never replaces a seal address the file sets; the specific variable does win",
  );
});

t.test("devConfig is Vault's dev config", async (t) => {
  const config = devConfig();
  t.same(config.storage, { type: "inmem" });
  t.equal(config.listeners[0]?.address, "127.0.0.1:8200");
  t.equal(config.listeners[0]?.tlsDisable, true);
  t.equal(config.apiAddr, "http://127.0.0.1:8200");
  t.equal(config.clusterAddr, "https://127.0.0.1:8201");
  t.equal(config.ui, true);
  t.equal(config.rawStorageEndpoint, true);
  t.equal(config.telemetry.disableHostname, true);
  t.equal(config.telemetry.prometheusRetentionSeconds, 24 * 3600);
  const moved = devConfig({ listenAddress: "127.0.0.1:18200" });
  t.equal(moved.listeners[0]?.clusterAddress, "127.0.0.1:18201");
  t.equal(moved.apiAddr, "http://127.0.0.1:18200");
  t.throws(() => devConfig({ listenAddress: "nonsense" }), { message: /-dev-listen-address: must be host:port/ });
});
