/** `coffer policy list | read | write | delete | fmt` over sys/policies/acl. */
import { readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { type Command, CommandError, exitApi, exitOk, withErrorPrefix } from "../command.js";
import { readAll } from "../io.js";
import { listSecret, readSecret, writeSecret } from "../secret.js";

interface HclPrinter {
  parse(input: string): string;
  stringify(input: string): string;
}

// js-hcl-parser (CommonJS, untyped) wraps HashiCorp's HCL1 parser and printer:
// both return an error sentence instead of throwing.
const hcl = createRequire(import.meta.url)("js-hcl-parser") as HclPrinter;

function policyPath(name: string): string {
  return `sys/policies/acl/${encodeURIComponent(name.trim().toLowerCase())}`;
}

const listCommand: Command = {
  name: "policy list",
  synopsis: "List the installed policies",
  usage: "policy list [options]",
  help: "Lists the names of the installed ACL policies.",
  groups: { http: true, format: true },
  maxArgs: 0,
  async run({ ui, client }) {
    const api = await client();
    const secret = await withErrorPrefix("Error listing policies", () => listSecret(api, "sys/policies/acl"));
    const keys = Array.isArray(secret?.data?.["keys"]) ? (secret.data["keys"] as unknown[]).map(String) : [];
    if (ui.format !== "table") ui.data(keys);
    else for (const name of keys) ui.output(name);
    return exitOk;
  },
};

const readCommand: Command = {
  name: "policy read",
  synopsis: "Print a policy's rules",
  usage: "policy read [options] NAME",
  help: `Prints the rules of the policy NAME.

      $ coffer policy read my-policy`,
  groups: { http: true, format: true },
  minArgs: 1,
  maxArgs: 1,
  async run({ ui, args, client }) {
    const api = await client();
    const name = args[0] as string;
    const secret = await withErrorPrefix(`Error reading policy named ${name}`, () => readSecret(api, policyPath(name)));
    if (secret === null) throw new CommandError(`No policy named: ${name}`, exitApi);
    const rules = secret.data?.["policy"] ?? secret.data?.["rules"];
    if (ui.format !== "table") ui.data({ name: secret.data?.["name"] ?? name, rules: rules ?? "" });
    else ui.output(String(rules ?? "").trimEnd());
    return exitOk;
  },
};

const writeCommand: Command = {
  name: "policy write",
  synopsis: "Upload a policy from a file or stdin",
  usage: "policy write [options] NAME PATH",
  help: `Creates or replaces the policy NAME with the rules in the file PATH (- reads stdin).

      $ coffer policy write my-policy ./my-policy.hcl
      $ cat my-policy.hcl | coffer policy write my-policy -`,
  groups: { http: true },
  minArgs: 2,
  maxArgs: 2,
  async run({ ui, io, args, client }) {
    const api = await client();
    const [name, source] = args as [string, string];
    let rules: string;
    try {
      rules = source === "-" ? (await readAll(io.stdin)).toString("utf8") : await readFile(source, "utf8");
    } catch (error) {
      throw new CommandError(`Error opening policy file: ${(error as Error).message}`);
    }
    await withErrorPrefix(`Error uploading policy`, () => writeSecret(api, policyPath(name), { policy: rules }));
    ui.output(`Success! Uploaded policy: ${name}`);
    return exitOk;
  },
};

const deleteCommand: Command = {
  name: "policy delete",
  synopsis: "Delete a policy",
  usage: "policy delete [options] NAME",
  help: `Deletes the policy NAME; tokens that had it lose its rights at once.

      $ coffer policy delete my-policy`,
  groups: { http: true },
  minArgs: 1,
  maxArgs: 1,
  async run({ ui, args, client }) {
    const api = await client();
    const name = args[0] as string;
    await withErrorPrefix(`Error deleting ${name}`, () => api.request("DELETE", policyPath(name)));
    ui.output(`Success! Deleted policy: ${name}`);
    return exitOk;
  },
};

const fmtCommand: Command = {
  name: "policy fmt",
  synopsis: "Format a policy file in place",
  usage: "policy fmt [options] PATH",
  help: `Rewrites the HCL policy file PATH in canonical formatting. A file that does not
  parse is left untouched and the syntax error is printed with its line.

      $ coffer policy fmt my-policy.hcl`,
  groups: {},
  minArgs: 1,
  maxArgs: 1,
  async run({ ui, args }) {
    const path = args[0] as string;
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new CommandError(`Error opening policy file: ${(error as Error).message}`);
    }
    const parsed = hcl.parse(text);
    if (parsed.startsWith("unable to"))
      throw new CommandError(`Error parsing policy: ${path}: ${parsed.replace(/^unable to parse JSON: /, "")}`);
    const formatted = hcl.stringify(text);
    if (formatted.startsWith("unable to")) throw new CommandError(`Error formatting policy: ${formatted}`);
    // Write beside and rename, so a crash never leaves half a policy file.
    const temporary = `${path}.coffer-fmt-${process.pid}`;
    await writeFile(temporary, formatted.endsWith("\n") ? formatted : `${formatted}\n`);
    await rename(temporary, path);
    ui.output(`Success! Formatted policy: ${path}`);
    return exitOk;
  },
};

export const policyCommands: readonly Command[] = [listCommand, readCommand, writeCommand, deleteCommand, fmtCommand];
