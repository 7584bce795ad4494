/**
 * Help text as `coffer path-help` (and `vault path-help`) prints it: the
 * backend's overview with its routes at the mount root, a route's synopsis,
 * parameters and description for any other path.
 */
import type { FieldSchema } from "./field-data.js";
import type { Path } from "./path.js";

function indent(text: string, spaces: number): string {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .map((line) => (line.trim() === "" ? "" : pad + line))
    .join("\n");
}

/** A field type as help prints it ("duration (sec)"). */
export function fieldTypeLabel(schema: FieldSchema): string {
  switch (schema.type) {
    case "duration":
      return "duration (sec)";
    case "signed-duration":
      return "signed duration (sec)";
    case "comma-string-slice":
      return "comma-separated strings";
    case "comma-int-slice":
      return "comma-separated integers";
    case "kv-pairs":
      return "key-value pairs";
    default:
      return schema.type;
  }
}

export function pathHelpMarkdown(requestPath: string, path: Path): string {
  const lines = [`Request:        ${requestPath}`, `Matching Route: ${path.regex.source}`, ""];
  lines.push(path.helpSynopsis || "<no synopsis>", "");
  const names = Object.keys(path.fields).sort();
  if (names.length > 0) {
    lines.push("## PARAMETERS", "");
    for (const name of names) {
      const schema = path.fields[name] as FieldSchema;
      const description = schema.description.trim() || "<no description>";
      lines.push(indent(`${name} (${fieldTypeLabel(schema)})`, 4), "");
      lines.push(indent(schema.deprecated ? `(DEPRECATED) ${description}` : description, 8), "");
    }
  }
  lines.push("## DESCRIPTION", "", path.helpDescription || "<no description>", "");
  return lines.join("\n");
}

export function rootHelpMarkdown(backendHelp: string, paths: readonly Path[]): string {
  const lines = ["## DESCRIPTION", "", backendHelp.trim(), "", "## PATHS", ""];
  lines.push(
    "The following paths are supported by this backend. To view help for",
    "any of the paths below, use the help command with any route matching",
    "the path pattern. Note that depending on the policy of your auth token,",
    "you may or may not be able to access certain paths.",
    "",
  );
  const routes = paths.map((path) => ({ route: path.regex.source, synopsis: path.helpSynopsis })).sort(byRoute);
  for (const { route, synopsis } of routes) {
    lines.push(indent(route, 4), indent(synopsis || "<no synopsis>", 8), "");
  }
  return lines.join("\n");
}

function byRoute(a: { route: string }, b: { route: string }): number {
  return a.route < b.route ? -1 : a.route > b.route ? 1 : 0;
}
