/** How the kv commands print: Vault's `== Title ==` banners over Key/Value tables. */
import { type CommandContext, exitOk } from "../command.js";
import type { Ui } from "../format/output.js";
import { headerForMap, padEqualSigns } from "../format/table.js";
import { isJsonObject, type JsonObject, type Secret } from "../secret.js";
import { printSecret } from "./logical.js";

/** Vault's `== Secret Path ==` banner above the API path. */
export function outputPath(ui: Ui, path: string, title: string): void {
  ui.output(padEqualSigns(title, path.length));
  ui.output(path);
  ui.output("");
}

/** A titled Key/Value table (`======= Metadata =======`). */
export function outputTitledMap(ui: Ui, title: string, data: JsonObject): void {
  ui.output(headerForMap(title, data));
  ui.keyValueTable(data);
}

/** What put, patch and rollback print: the version metadata under the secret's path. */
export function printWriteResult(context: CommandContext, apiPath: string, secret: Secret | null): number {
  const { ui } = context;
  if (secret === null) {
    if (ui.format === "table") ui.output(`Success! Data written to: ${apiPath}`);
    return exitOk;
  }
  if (context.flags.has("field") || ui.format !== "table") return printSecret(context, secret);
  ui.warnings(secret);
  outputPath(ui, apiPath, "Secret Path");
  outputTitledMap(ui, "Metadata", isJsonObject(secret.data) ? secret.data : {});
  return exitOk;
}
