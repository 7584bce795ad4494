/**
 * A small script language for Raft interaction tests, in the spirit of
 * etcd's raft `testdata/*.txt`: each block is a command, a `----` line and
 * the output it produced; the test compares the output with the file and can
 * rewrite the file (golden update).
 *
 * Commands (ids are strings; `key=value` options):
 *   add-nodes N [voters=1,2,3] [nonvoters=4] [join=true] [prevote=false] [checkquorum=false]
 *             [election=TICKS] [heartbeat=TICKS] [jitter=J1,J2,...]
 *   campaign ID | tick ID [N] | tick-election ID | tick-heartbeat ID
 *   propose ID DATA | propose-conf-change ID (add-voter|add-nonvoter|remove) TARGET
 *   transfer-leadership ID TARGET | read-index ID CONTEXT
 *   process-ready ID... | deliver-msgs [drop=true] ID... | stabilize [ID...]
 *   partition 1,2 3 | heal | crash ID | restart ID | compact ID [keep=N]
 *   crash-before-persist ID (take its Ready, send what may leave early, crash before writing)
 *   report-snapshot ID TARGET (finished|failed) | report-unreachable ID TARGET
 *   status ID | log ID | applied ID | raft-state
 */
import { assert } from "../../lib/index.js";
import type { RaftConfig } from "../config.js";
import type { ConfigChange, Configuration, Server } from "../types.js";
import { InteractionCluster } from "./cluster.js";
import { formatConfiguration, formatEntries } from "./format.js";

export interface ScriptBlock {
  /** Comment and blank lines before the command, kept verbatim when rewriting. */
  readonly preamble: readonly string[];
  readonly command: string;
  readonly expected: readonly string[];
}

export function parseScript(text: string): ScriptBlock[] {
  const lines = text.split("\n");
  const blocks: ScriptBlock[] = [];
  let preamble: string[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    if (line.trim() === "" || line.startsWith("#")) {
      preamble.push(line);
      index += 1;
      continue;
    }
    const command = line;
    assert(lines[index + 1] === "----", `line ${index + 2}: expected ---- after "${command}"`);
    index += 2;
    const expected: string[] = [];
    while (index < lines.length && lines[index] !== "") expected.push(lines[index++]!);
    blocks.push({ preamble, command, expected });
    preamble = [];
  }
  return blocks;
}

export function renderScript(
  blocks: readonly { preamble: readonly string[]; command: string; output: readonly string[] }[],
): string {
  const parts: string[] = [];
  for (const block of blocks) parts.push(...block.preamble, block.command, "----", ...block.output, "");
  // Drop the blank lines the preambles of the next blocks already carry.
  return `${parts
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}

interface Parsed {
  readonly name: string;
  readonly args: string[];
  readonly options: Map<string, string>;
}

function parseCommand(command: string): Parsed {
  const [name, ...rest] = command.trim().split(/\s+/);
  const args: string[] = [];
  const options = new Map<string, string>();
  for (const word of rest) {
    const equals = word.indexOf("=");
    if (equals > 0) options.set(word.slice(0, equals), word.slice(equals + 1));
    else args.push(word);
  }
  return { name: name ?? "", args, options };
}

function listOption(options: Map<string, string>, key: string): string[] {
  const value = options.get(key);
  return value ? value.split(",") : [];
}

function boolOption(options: Map<string, string>, key: string, fallback: boolean): boolean {
  const value = options.get(key);
  return value === undefined ? fallback : value === "true";
}

function argument(parsed: Parsed, position: number): string {
  const value = parsed.args[position];
  assert(value !== undefined, `${parsed.name}: missing argument ${position + 1}`);
  return value;
}

const encoder = new TextEncoder();

export class ScriptRunner {
  readonly cluster = new InteractionCluster();
  private nextId = 1;

  run(command: string): string[] {
    const parsed = parseCommand(command);
    const lines = this.execute(parsed);
    return lines.length ? lines : ["ok"];
  }

  private execute(parsed: Parsed): string[] {
    const { cluster } = this;
    const id = () => argument(parsed, 0);
    switch (parsed.name) {
      case "add-nodes":
        return this.addNodes(parsed);
      case "campaign":
        cluster.member(id()).node.campaign();
        return [];
      case "tick": {
        const count = Number(parsed.args[1] ?? "1");
        for (let i = 0; i < count; i++) cluster.member(id()).node.tick();
        return [];
      }
      case "tick-election":
      case "tick-heartbeat": {
        const member = cluster.member(id());
        const config = { electionTicks: 10, heartbeatTicks: 1, ...member.config };
        // tick-election: this node's whole randomized timeout (electionTicks + its jitter).
        const count = parsed.name === "tick-election" ? config.electionTicks + member.jitter : config.heartbeatTicks;
        for (let i = 0; i < count; i++) member.node.tick();
        return [];
      }
      case "propose":
        return [describe(cluster.member(id()).node.propose(encoder.encode(argument(parsed, 1))))];
      case "propose-conf-change":
        return [describe(cluster.member(id()).node.proposeConfigChange(this.change(parsed)))];
      case "transfer-leadership":
        return [describe(cluster.member(id()).node.transferLeadership(argument(parsed, 1)))];
      case "read-index":
        return [describe(cluster.member(id()).node.readIndex(encoder.encode(argument(parsed, 1))))];
      case "process-ready":
        return parsed.args.flatMap((target) => {
          const lines = cluster.processReady(target);
          return lines.length ? [`> ${target} ready`, ...lines.map((line) => `  ${line}`)] : [];
        });
      case "deliver-msgs":
        return cluster.deliver(parsed.args, boolOption(parsed.options, "drop", false));
      case "stabilize":
        return cluster.stabilize(parsed.args);
      case "partition":
        cluster.partition(parsed.args.map((group) => group.split(",")));
        return [];
      case "heal":
        cluster.partition([]);
        return [];
      case "crash":
        cluster.crash(id());
        return [];
      case "crash-before-persist":
        return cluster.crashBeforePersist(id());
      case "restart":
        cluster.restart(id());
        return [];
      case "compact":
        cluster.compact(id(), Number(parsed.options.get("keep") ?? "0"));
        return [];
      case "report-snapshot":
        cluster
          .member(id())
          .node.reportSnapshot(argument(parsed, 1), argument(parsed, 2) === "failed" ? "failed" : "finished");
        return [];
      case "report-unreachable":
        cluster.member(id()).node.reportUnreachable(argument(parsed, 1));
        return [];
      case "status":
        return this.status(id());
      case "log":
        return this.log(id());
      case "applied":
        return [formatEntries(cluster.member(id()).applied)];
      case "raft-state":
        return [...cluster.members.values()].map((member) => {
          const status = member.node.status();
          const crashed = member.crashed ? " (crashed)" : "";
          return `${member.id}: ${status.role} term=${status.term} leader=${status.leader || "-"} commit=${status.commit} last=${status.lastIndex}${crashed}`;
        });
      default:
        throw new Error(`unknown command ${parsed.name}`);
    }
  }

  private addNodes(parsed: Parsed): string[] {
    const count = Number(argument(parsed, 0));
    const ids = Array.from({ length: count }, () => String(this.nextId++));
    const voters = listOption(parsed.options, "voters");
    const nonVoters = listOption(parsed.options, "nonvoters");
    const servers: Server[] = [
      ...(voters.length ? voters : ids).map(
        (server): Server => ({ id: server, address: `addr-${server}`, suffrage: "voter" }),
      ),
      ...nonVoters.map((server): Server => ({ id: server, address: `addr-${server}`, suffrage: "nonvoter" })),
    ];
    const configuration: Configuration = { servers };
    const join = boolOption(parsed.options, "join", false);
    const config: Partial<RaftConfig> = {
      preVote: boolOption(parsed.options, "prevote", true),
      checkQuorum: boolOption(parsed.options, "checkquorum", true),
      electionTicks: Number(parsed.options.get("election") ?? "10"),
      heartbeatTicks: Number(parsed.options.get("heartbeat") ?? "1"),
    };
    const jitters = listOption(parsed.options, "jitter").map(Number);
    ids.forEach((nodeId, i) => {
      this.cluster.addNode(nodeId, join ? null : configuration, config, jitters[i] ?? 0);
    });
    return [
      join
        ? `added ${ids.join(" ")} (empty, to join)`
        : `added ${ids.join(" ")} with ${formatConfiguration(configuration)}`,
    ];
  }

  private change(parsed: Parsed): ConfigChange {
    const kind = argument(parsed, 1);
    const target = argument(parsed, 2);
    switch (kind) {
      case "add-voter":
        return { type: "addVoter", id: target, address: `addr-${target}` };
      case "add-nonvoter":
        return { type: "addNonVoter", id: target, address: `addr-${target}` };
      case "remove":
        return { type: "removeServer", id: target };
      default:
        throw new Error(`unknown change ${kind}`);
    }
  }

  private status(id: string): string[] {
    const status = this.cluster.member(id).node.status();
    const lines = [
      `${status.id}: ${status.role} term=${status.term} vote=${status.votedFor || "-"} leader=${status.leader || "-"}`,
      `log=[${status.firstIndex}, ${status.lastIndex}] commit=${status.commit} applied=${status.applied}`,
      `config: ${formatConfiguration(status.configuration)}${status.leadTransferee ? ` transferring to ${status.leadTransferee}` : ""}`,
    ];
    for (const follower of status.followers) {
      lines.push(
        `  ${follower.id}: ${follower.state} match=${follower.match} next=${follower.next} inflight=${follower.inflightMessages}${follower.recentActive ? "" : " inactive"}`,
      );
    }
    return lines;
  }

  private log(id: string): string[] {
    const { storage } = this.cluster.member(id);
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    const entries = first <= last ? storage.entries(first, (last + 1) as typeof last, Number.MAX_SAFE_INTEGER) : [];
    const snapshot = storage.snapshot()?.meta;
    const snapshotText = snapshot && snapshot.index > 0 ? `snapshot=${snapshot.term}/${snapshot.index} ` : "";
    return [`${snapshotText}${formatEntries(entries)}`];
  }
}

function describe(
  result: { ok: true; index?: number; term?: number } | { ok: false; reason: string; leader: string },
): string {
  if (!result.ok) return `refused: ${result.reason}${result.leader ? ` (leader ${result.leader})` : ""}`;
  return result.index === undefined ? "accepted" : `accepted at ${result.term}/${result.index}`;
}

/** Runs every block of a script and returns each command's actual output. */
export function runScript(
  text: string,
): { preamble: readonly string[]; command: string; output: string[]; expected: readonly string[] }[] {
  const runner = new ScriptRunner();
  return parseScript(text).map((block) => {
    let output: string[];
    try {
      output = runner.run(block.command);
    } catch (error) {
      output = [`error: ${error instanceof Error ? error.message : String(error)}`];
    }
    return { preamble: block.preamble, command: block.command, output, expected: block.expected };
  });
}
