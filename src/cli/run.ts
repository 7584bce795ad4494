/**
 * `coffer <command> [flags] [args]`: finds the command, parses its flags,
 * checks its arguments, runs it and turns every failure into a message on
 * stderr and Vault's exit code. Nothing here knows about the server: the
 * `server` command is routed elsewhere (src/server/bin.ts) before we run.
 */
import { type ApiError, isApiError, TransportError } from "./api-error.js";
import { type Command, type CommandContext, CommandError, exitApi, exitOk, exitUsage } from "./command.js";
import { allCommands } from "./commands/index.js";
import { type FlagSpec, flagHelp, parseArgs, UsageError } from "./flags.js";
import { parseFormat, Ui } from "./format/output.js";
import { ApiClient } from "./http-client.js";
import { type CliIo, processIo } from "./io.js";
import { httpFlags, resolveSettings } from "./settings.js";
import { version } from "./version.js";

/** Exit code of an unknown command, as Vault's CLI framework uses. */
const exitUnknownCommand = 127;

const formatFlag: FlagSpec = {
  name: "format",
  kind: "string",
  usage: 'Output format: "table", "json" or "yaml"; also VAULT_FORMAT.',
  defaultText: '"table"',
};
const fieldFlag: FlagSpec = {
  name: "field",
  kind: "string",
  usage: "Print only this field, with no trailing newline unless the output is a terminal.",
};

function specsOf(command: Command): FlagSpec[] {
  return [
    ...(command.flags ?? []),
    ...(command.groups.format ? [formatFlag] : []),
    ...(command.groups.field ? [fieldFlag] : []),
    ...(command.groups.http ? httpFlags : []),
  ];
}

function commandHelp(command: Command): string {
  // Help texts are written with a two-space indent after their first line.
  const sections = [`Usage: coffer ${command.usage}`, "", `  ${command.help.trim()}`];
  if (command.flags?.length) sections.push("", flagHelp("Command Options", command.flags));
  const output = [...(command.groups.format ? [formatFlag] : []), ...(command.groups.field ? [fieldFlag] : [])];
  if (output.length) sections.push("", flagHelp("Output Options", output));
  if (command.groups.http) sections.push("", flagHelp("HTTP Options", httpFlags));
  return sections.join("\n").trimEnd();
}

const groupSynopses: Readonly<Record<string, string>> = {
  operator: "Perform operator-specific tasks",
  "operator raft": "Manage the integrated (Raft) storage cluster",
  "operator raft snapshot": "Save and restore Raft snapshots",
  "operator raft autopilot": "Inspect and configure autopilot",
  secrets: "Interact with secrets engines",
  kv: "Interact with the key/value secrets engine",
  "kv metadata": "Manage KV version 2 metadata",
  token: "Interact with tokens",
  lease: "Interact with leases",
  policy: "Interact with policies",
};

/** Help for `coffer` or a group such as `coffer operator`: the commands one level below. */
function groupHelp(prefix: readonly string[]): string {
  const depth = prefix.length;
  const children = new Map<string, string>();
  for (const command of allCommands) {
    const words = command.name.split(" ");
    if (words.length <= depth || prefix.some((word, index) => words[index] !== word)) continue;
    const child = words[depth] as string;
    const synopsis =
      words.length === depth + 1 ? command.synopsis : (groupSynopses[[...prefix, child].join(" ")] ?? "");
    if (!children.has(child)) children.set(child, synopsis);
  }
  if (depth === 0) {
    // Routed before the CLI runs (src/server/bin.ts), listed here so users find it.
    children.set("server", "Start a Coffer server");
    children.set("version", "Print the Coffer version");
  }
  const width = Math.max(...[...children.keys()].map((name) => name.length));
  const lines = [...children.entries()].sort().map(([name, synopsis]) => `    ${name.padEnd(width)}    ${synopsis}`);
  const title = prefix.length === 0 ? "coffer" : `coffer ${prefix.join(" ")}`;
  return `Usage: ${title} <subcommand> [options] [args]\n\nSubcommands:\n${lines.join("\n")}`;
}

/** The longest command name made of the leading words of argv. */
function findCommand(argv: readonly string[]): { command: Command | undefined; words: string[] } {
  const words: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith("-")) break;
    words.push(arg);
  }
  for (let length = words.length; length > 0; length--) {
    const name = words.slice(0, length).join(" ");
    const command = allCommands.find((candidate) => candidate.name === name);
    if (command) return { command, words: words.slice(0, length) };
  }
  return { command: undefined, words };
}

function isGroup(words: readonly string[]): boolean {
  const prefix = `${words.join(" ")} `;
  return allCommands.some((command) => command.name.startsWith(prefix));
}

function checkArgCount(command: Command, count: number): void {
  const min = command.minArgs ?? 0;
  const max = command.maxArgs ?? Number.POSITIVE_INFINITY;
  const expected =
    min === max ? String(min) : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
  if (count < min) throw new UsageError(`Not enough arguments (expected ${expected}, got ${count})`);
  if (count > max) throw new UsageError(`Too many arguments (expected ${expected}, got ${count})`);
}

async function runCommand(command: Command, argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(argv, specsOf(command));
  if (parsed.help) {
    io.stdout.write(`${commandHelp(command)}\n`);
    return exitOk;
  }
  const formatText = parsed.flags.string("format") ?? io.env["COFFER_FORMAT"] ?? io.env["VAULT_FORMAT"] ?? "table";
  const format = parseFormat(formatText);
  if (format === undefined) throw new UsageError(`Invalid output format: ${formatText}`);
  checkArgCount(command, parsed.positional.length);
  let client: Promise<ApiClient> | undefined;
  const context: CommandContext = {
    io,
    ui: new Ui(io, format),
    flags: parsed.flags,
    args: parsed.positional,
    client: () => {
      client ??= resolveSettings(parsed.flags, io).then((settings) => new ApiClient(settings));
      return client;
    },
  };
  return command.run(context);
}

function report(io: CliIo, error: unknown): number {
  if (error instanceof UsageError) {
    io.stderr.write(`${error.message}\n`);
    return exitUsage;
  }
  if (error instanceof CommandError) {
    io.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (isApiError(error) || error instanceof TransportError) {
    io.stderr.write(`Error: ${(error as ApiError | TransportError).message}\n`);
    return exitApi;
  }
  io.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
  return exitUsage;
}

/** Runs the CLI for `argv` (the words after `coffer`) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === "-h" || first === "-help" || first === "--help" || first === "help") {
    (first === undefined ? io.stderr : io.stdout).write(`${groupHelp([])}\n`);
    return first === undefined ? exitUsage : exitOk;
  }
  if (first === "version" || first === "-version" || first === "--version" || first === "-v") {
    io.stdout.write(`Coffer v${version}\n`);
    return exitOk;
  }
  const { command, words } = findCommand(argv);
  if (command === undefined) {
    if (words.length > 0 && isGroup(words)) {
      const wantsHelp = argv.some((arg) => ["-h", "-help", "--help"].includes(arg));
      (wantsHelp ? io.stdout : io.stderr).write(`${groupHelp(words)}\n`);
      return wantsHelp ? exitOk : exitUsage;
    }
    io.stderr.write(`Unknown command: ${words.join(" ") || argv.join(" ")}\n\n${groupHelp([])}\n`);
    return exitUnknownCommand;
  }
  try {
    return await runCommand(command, argv.slice(words.length), io);
  } catch (error) {
    return report(io, error);
  }
}
