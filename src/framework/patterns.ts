/**
 * Path patterns: regular expressions with named groups, Vault style
 * (`data/(?<path>.+)`; Go's `(?P<name>...)` is accepted too). A pattern must
 * match the whole request path (relative to the mount); the named groups
 * become fields of the request.
 */

/** A name: word characters, with `-` and `.` allowed inside (Vault's GenericNameRegex). */
export function genericNameRegex(name: string): string {
  return `(?<${name}>\\w(?:[\\w.-]*\\w)?)`;
}

/** As genericNameRegex, also allowing `@` inside (user names that are e-mail addresses). */
export function genericNameWithAtRegex(name: string): string {
  return `(?<${name}>\\w(?:[\\w.@-]*\\w)?)`;
}

/** An optional trailing `/<value>` segment (Vault's OptionalParamRegex). */
export function optionalParameter(name: string): string {
  return `(?:/(?<${name}>.+))?`;
}

/** Everything that is left, possibly empty (Vault's MatchAllRegex). */
export function matchAllRegex(name: string): string {
  return `(?<${name}>.*)`;
}

/** Everything that is left, non-empty and not ending in `/` (a key, not a folder). */
export function matchAllNoTrailingSlashRegex(name: string): string {
  return `(?<${name}>.*[^/])`;
}

/** Converts Go's `(?P<name>` to JavaScript's `(?<name>` and anchors the whole pattern. */
export function compilePattern(pattern: string): RegExp {
  if (pattern.length === 0) throw new Error("a path pattern cannot be empty");
  const javascript = pattern.replaceAll("(?P<", "(?<");
  return new RegExp(`^(?:${javascript})$`);
}

/**
 * Matches `path` in full; returns the named captures, with "" for a group
 * that took no part in the match (as Vault does), or undefined on no match.
 */
export function matchPattern(regex: RegExp, path: string): Record<string, string> | undefined {
  const match = regex.exec(path);
  if (!match) return undefined;
  return Object.fromEntries(Object.entries(match.groups ?? {}).map(([name, value]) => [name, value ?? ""]));
}
