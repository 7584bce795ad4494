/**
 * `key=value` arguments as Vault's CLI reads them: `key=@file` takes the
 * file's contents (`key=\@x` is the literal "@x"), `key=-` reads stdin, a lone
 * `-` merges a JSON object from stdin, and a repeated key becomes a list.
 */
import { readFile } from "node:fs/promises";
import { CommandError } from "./command.js";
import { type CliIo, readAll } from "./io.js";
import { isJsonObject, type JsonObject } from "./secret.js";

export async function parseKeyValueArgs(args: readonly string[], io: CliIo): Promise<JsonObject> {
  const result: JsonObject = {};
  let stdinUsed = false;
  const takeStdin = async (): Promise<string> => {
    if (stdinUsed) throw new CommandError("Failed to parse K=V data: stdin already consumed");
    stdinUsed = true;
    return (await readAll(io.stdin)).toString("utf8");
  };
  for (const arg of args) {
    if (arg === "") continue;
    if (arg === "-") {
      const text = await takeStdin();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new CommandError(`Failed to parse K=V data: stdin is not a JSON object: ${(error as Error).message}`);
      }
      if (!isJsonObject(parsed)) throw new CommandError("Failed to parse K=V data: stdin is not a JSON object");
      Object.assign(result, parsed);
      continue;
    }
    const equals = arg.indexOf("=");
    if (equals <= 0)
      throw new CommandError(`Failed to parse K=V data: invalid key/value pair "${arg}": format must be key=value`);
    const key = arg.slice(0, equals);
    const value = await argumentValue(arg.slice(equals + 1), takeStdin);
    const existing = result[key];
    if (existing === undefined) result[key] = value;
    else result[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return result;
}

async function argumentValue(raw: string, takeStdin: () => Promise<string>): Promise<string> {
  if (raw.startsWith("@")) {
    try {
      return await readFile(raw.slice(1), "utf8");
    } catch (error) {
      throw new CommandError(`Failed to parse K=V data: error reading file: ${(error as Error).message}`);
    }
  }
  if (raw.startsWith("\\@")) return raw.slice(1);
  if (raw === "-") return takeStdin();
  return raw;
}
