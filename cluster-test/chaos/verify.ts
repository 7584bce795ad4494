/**
 * The checks after a chaos run, once every fault is healed:
 *
 * - one active: every node unsealed, exactly one answering as active, all
 *   naming the same leader, and every node caught up with its commit index.
 * - no acknowledged write missing: each key's full version history is read
 *   back (metadata, then every version); every acknowledged write must be
 *   there at its version with its value, and every stored version must be a
 *   value some client wrote and did not see refused.
 * - the same FSM everywhere: once the cluster is idle, every node is killed
 *   at once and its FSM digested from disk (fsm-digest.ts).
 * - no node exited on its own: every process ended only by the nemesis or
 *   the harness; a crash under faults fails the run even when the cluster
 *   healed around it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Operation } from "../linearizability/index.js";
import { type ChaosCluster, kvMount } from "./chaos-cluster.js";
import { type FsmDigest, fsmDigestOf } from "./fsm-digest.js";
import { kvApi } from "./kv-client.js";

export interface Check {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

interface LeaderView {
  readonly isSelf: boolean;
  readonly leaderAddress: string;
  readonly appliedIndex: number;
  readonly committedIndex: number;
}

async function leaderView(url: string): Promise<LeaderView | undefined> {
  try {
    const answer = await kvApi(url, "", "GET", "sys/leader", undefined, 2_000);
    return {
      isSelf: answer.body.is_self === true,
      leaderAddress: String(answer.body.leader_address ?? ""),
      appliedIndex: Number(answer.body.raft_applied_index ?? -1),
      committedIndex: Number(answer.body.raft_committed_index ?? -1),
    };
  } catch {
    return undefined;
  }
}

/** Waits until one node is active, all agree on it and all have applied what it committed. */
export async function oneActive(
  chaos: ChaosCluster,
  timeoutMs = 60_000,
): Promise<Check & { active?: number; afterMs: number }> {
  const startedMs = performance.now();
  let last = "no answer yet";
  while (performance.now() - startedMs < timeoutMs) {
    const views = await Promise.all([...Array(chaos.size).keys()].map((index) => leaderView(chaos.url(index))));
    const active = views.flatMap((view, index) => (view?.isSelf ? [index] : []));
    const agreed = views.every(
      (view) => view !== undefined && view.leaderAddress === views[active[0] ?? -1]?.leaderAddress,
    );
    const leader = active.length === 1 ? views[active[0]!] : undefined;
    const caughtUp =
      leader !== undefined && views.every((view) => view !== undefined && view.appliedIndex >= leader.committedIndex);
    last = `active: [${active.map((index) => chaos.name(index)).join(", ")}], indexes ${views.map((view) => (view ? `${view.appliedIndex}/${view.committedIndex}` : "down")).join(" ")}`;
    if (active.length === 1 && agreed && caughtUp) {
      const afterMs = performance.now() - startedMs;
      return {
        name: "one active",
        passed: true,
        detail: `${chaos.name(active[0]!)} (${last})`,
        active: active[0]!,
        afterMs,
      };
    }
    await sleep(200);
  }
  return {
    name: "one active",
    passed: false,
    detail: `not settled after ${timeoutMs} ms: ${last}`,
    afterMs: timeoutMs,
  };
}

/** Reads every version of every key through the active; returns the check and the final reads for the history. */
export async function acknowledgedWritesPresent(
  chaos: ChaosCluster,
  active: number,
  keys: readonly string[],
  history: readonly Operation[],
): Promise<{ check: Check; stored: Map<string, (string | null)[]> }> {
  const url = chaos.url(active);
  const stored = new Map<string, (string | null)[]>();
  for (const key of keys) {
    const metadata = await kvApi(url, chaos.token, "GET", `${kvMount}/metadata/${key}`);
    const current =
      metadata.status === 404 ? 0 : Number((metadata.body.data as { current_version?: unknown })?.current_version);
    const values: (string | null)[] = [null];
    for (let version = 1; version <= current; version++) {
      const answer = await kvApi(url, chaos.token, "GET", `${kvMount}/data/${key}?version=${version}`);
      const data = (answer.body.data as { data?: { value?: unknown } } | undefined)?.data;
      values.push(answer.status === 200 && typeof data?.value === "string" ? data.value : null);
    }
    stored.set(key, values);
  }
  const problems: string[] = [];
  const writers = new Map<string, Operation>();
  let acknowledged = 0;
  for (const operation of history) {
    if (operation.call.kind === "read") continue;
    writers.set(`${operation.key}\u0000${operation.call.value}`, operation);
    const outcome = operation.outcome;
    if (outcome.status !== "ok" || outcome.result.kind === "read") continue;
    if (outcome.result.kind === "cas" && !outcome.result.applied) continue;
    acknowledged++;
    const version = outcome.result.version ?? -1;
    const found = stored.get(operation.key)?.[version];
    if (found !== operation.call.value) {
      problems.push(
        `#${operation.id} ${operation.key} v${version} ${JSON.stringify(operation.call.value)} is ${found === undefined ? "missing" : `now ${JSON.stringify(found)}`}`,
      );
    }
  }
  for (const [key, values] of stored) {
    values.forEach((value, version) => {
      if (version === 0) return;
      const writer = value === null ? undefined : writers.get(`${key}\u0000${value}`);
      if (writer === undefined)
        problems.push(`${key} v${version} holds ${JSON.stringify(value)}, which no client wrote`);
      else if (writer.outcome.status === "failed")
        problems.push(`${key} v${version} holds #${writer.id}'s value, refused to its client`);
    });
  }
  const versions = [...stored.values()].reduce((sum, values) => sum + values.length - 1, 0);
  const detail =
    problems.length === 0
      ? `${acknowledged} acknowledged writes all present among ${versions} stored versions`
      : `${problems.length} problems: ${problems.slice(0, 10).join("; ")}`;
  return { check: { name: "no acknowledged write missing", passed: problems.length === 0, detail }, stored };
}

/** Kills every node at once when they agree on the applied index, then compares their FSM digests. */
export async function sameFsmEverywhere(chaos: ChaosCluster): Promise<Check> {
  const stableForMs = 1_500;
  let digests: (FsmDigest | undefined)[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    await settledIndexes(chaos, stableForMs);
    await Promise.all([...Array(chaos.size).keys()].map((index) => chaos.kill(index)));
    digests = [];
    for (const node of chaos.cluster.nodes) digests.push(await fsmDigestOf(node.dataDir).catch(() => undefined));
    const indexes = new Set(digests.map((digest) => digest?.appliedIndex));
    if (indexes.size === 1 && !indexes.has(undefined)) break;
    if (attempt === 3) break;
    // Not everything applied was written yet on some node: bring them back and try again.
    for (let index = 0; index < chaos.size; index++) await chaos.restart(index);
    await oneActive(chaos);
  }
  const described = digests.map((digest, index) =>
    digest
      ? `${chaos.name(index)} index ${digest.appliedIndex} ${digest.records} records ${digest.sha256.slice(0, 16)}`
      : `${chaos.name(index)} unreadable`,
  );
  const sameIndex = new Set(digests.map((digest) => digest?.appliedIndex)).size === 1 && digests.every(Boolean);
  const sameHash = new Set(digests.map((digest) => digest?.sha256)).size === 1;
  const passed = sameIndex && sameHash;
  const why = !sameIndex ? "not at one applied index: " : !sameHash ? "DIFFERENT digests at one index: " : "";
  return { name: "same FSM on every node", passed, detail: `${why}${described.join("; ")}` };
}

/** Waits until every node reports the same applied index, unchanged for `stableForMs`. */
async function settledIndexes(chaos: ChaosCluster, stableForMs: number, timeoutMs = 30_000): Promise<void> {
  const startedMs = performance.now();
  let previous = "";
  let sinceMs = performance.now();
  while (performance.now() - startedMs < timeoutMs) {
    const views = await Promise.all([...Array(chaos.size).keys()].map((index) => leaderView(chaos.url(index))));
    const applied = views.map((view) => view?.appliedIndex ?? -1);
    const text = applied.join(",");
    if (text !== previous || new Set(applied).size !== 1) {
      previous = text;
      sinceMs = performance.now();
    } else if (performance.now() - sinceMs >= stableForMs) {
      return;
    }
    await sleep(100);
  }
}

/** Fails if any node process ended without being killed or stopped, naming how it ended and its last words. */
export function noNodeExitedOnItsOwn(chaos: ChaosCluster): Check {
  const exits = chaos.cluster.unexpectedExits;
  if (exits.length === 0) return { name: "no node exited on its own", passed: true, detail: "none did" };
  const detail = exits
    .map((exit) => {
      const how = exit.signal === null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
      const lastLines = exit.stderrTail.trimEnd().split("\n").slice(-5).join("\n      ");
      return `${exit.node} ended with ${how}; its stderr ended:\n      ${lastLines}`;
    })
    .join("\n    ");
  return { name: "no node exited on its own", passed: false, detail };
}
