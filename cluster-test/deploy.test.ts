/**
 * What ships in deploy/ must match what the server accepts and exports: the
 * StatefulSet's HCL loads with the environment the pod gives it, and every
 * metric an alert rule names is exported by a running server.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { parseConfig } from "../src/config/index.js";
import { api, repositoryRoot, ServerProcess } from "./harness/index.js";

const deploy = join(repositoryRoot, "deploy");

/** The HCL between the begin/end markers of the ConfigMap, un-indented. */
function embeddedConfig(yaml: string): string {
  const lines = yaml.split("\n");
  const begin = lines.findIndex((line) => line.includes("# coffer-config-begin"));
  const end = lines.findIndex((line) => line.includes("# coffer-config-end"));
  if (begin === -1 || end <= begin) throw new Error("config markers not found");
  const indent = /^\s*/.exec(lines[begin] ?? "")?.[0].length ?? 0;
  return lines
    .slice(begin + 1, end)
    .map((line) => line.slice(indent))
    .join("\n");
}

t.test("the StatefulSet's config loads as each pod sees it", async (t) => {
  const yaml = readFileSync(join(deploy, "kubernetes", "coffer.yaml"), "utf8");
  const config = parseConfig(embeddedConfig(yaml), "deploy/kubernetes/coffer.yaml", {
    env: {
      VAULT_RAFT_NODE_ID: "coffer-1",
      VAULT_API_ADDR: "https://coffer-1.coffer-internal:8200",
      VAULT_CLUSTER_ADDR: "https://coffer-1.coffer-internal:8201",
    },
  });
  t.match(config.storage, { type: "raft", path: "/coffer/data", nodeId: "coffer-1" });
  if (config.storage.type !== "raft") throw new Error("not raft");
  t.same(
    config.storage.retryJoin.map((join) => join.leaderApiAddr),
    [0, 1, 2].map((i) => `https://coffer-${i}.coffer-internal:8200`),
    "retry_join names every pod through the headless service",
  );
  t.equal(config.apiAddr, "https://coffer-1.coffer-internal:8200");
  t.equal(config.clusterAddr, "https://coffer-1.coffer-internal:8201");
  t.match(config.listeners[0], {
    address: "0.0.0.0:8200",
    clusterAddress: "0.0.0.0:8201",
    tlsDisable: false,
    tlsCertFile: "/coffer/tls/tls.crt",
    telemetry: { unauthenticatedMetricsAccess: true },
  });
});

t.test("every metric the alert rules use is exported", async (t) => {
  const rules = readFileSync(join(deploy, "prometheus", "coffer-alerts.yaml"), "utf8");
  const expressions = rules.split("\n").filter((line) => line.trim().startsWith("expr:"));
  const names = new Set(expressions.flatMap((line) => line.match(/\b(vault|coffer)_[a-z0-9_]+\b/g) ?? []));
  t.ok(names.size >= 5, `the rules name ${names.size} metrics`);
  const server = await ServerProcess.dev();
  t.teardown(() => server.stop());
  const exported = await api(server.url, "GET", "sys/metrics?format=prometheus", { token: "root" });
  t.equal(exported.status, 200);
  for (const name of names) {
    t.match(exported.text, new RegExp(`^${name}(\\{|\\s)`, "m"), `${name} is exported`);
  }
});
