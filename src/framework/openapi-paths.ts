/**
 * Turns a path pattern into the OpenAPI path templates it stands for:
 * named groups become `{name}`, optional groups and alternations give one
 * template per variant, and wildcards that name nothing are dropped.
 *   `roles/(?<name>\w+)(/creds)?` -> `roles/{name}`, `roles/{name}/creds`
 * It reads the subset of regular-expression syntax path patterns use; what
 * it cannot document it leaves out rather than guessing.
 */

type PatternNode =
  | { readonly kind: "text"; text: string }
  | { readonly kind: "param"; readonly name: string }
  | { readonly kind: "group"; readonly alternatives: PatternNode[][]; optional: boolean }
  | { readonly kind: "drop" };

/** Bound on templates per pattern: nested optional groups multiply. */
const templatesMax = 64;

class PatternReader {
  index = 0;
  constructor(readonly source: string) {}

  peek(offset = 0): string {
    return this.source.charAt(this.index + offset);
  }

  atEnd(): boolean {
    return this.index >= this.source.length;
  }

  startsWith(text: string): boolean {
    return this.source.startsWith(text, this.index);
  }

  /** Skips past the `)` closing the group whose `(` was already consumed. */
  skipGroupBody(): void {
    let depth = 1;
    while (!this.atEnd() && depth > 0) {
      const char = this.peek();
      if (char === "\\") this.index += 2;
      else if (char === "[") this.skipClass();
      else {
        if (char === "(") depth++;
        if (char === ")") depth--;
        this.index++;
      }
    }
  }

  /** Skips a character class starting at `[`. */
  skipClass(): void {
    this.index++;
    if (this.peek() === "^") this.index++;
    if (this.peek() === "]") this.index++;
    while (!this.atEnd() && this.peek() !== "]") this.index += this.peek() === "\\" ? 2 : 1;
    this.index++;
  }
}

function parseAlternatives(reader: PatternReader, insideGroup: boolean): PatternNode[][] {
  const alternatives: PatternNode[][] = [[]];
  while (!reader.atEnd()) {
    const current = alternatives[alternatives.length - 1] as PatternNode[];
    const char = reader.peek();
    if (char === ")" && insideGroup) {
      reader.index++;
      return alternatives;
    }
    if (char === "|") {
      reader.index++;
      alternatives.push([]);
    } else if (char === "?" || char === "*" || char === "+" || char === "{") {
      applyQuantifier(reader, current);
    } else {
      current.push(parseAtom(reader));
    }
  }
  return alternatives;
}

function parseAtom(reader: PatternReader): PatternNode {
  const char = reader.peek();
  reader.index++;
  switch (char) {
    case "(":
      return parseGroup(reader);
    case "[":
      reader.index--;
      reader.skipClass();
      return { kind: "drop" };
    case "\\": {
      const escaped = reader.peek();
      reader.index++;
      return /[A-Za-z0-9]/.test(escaped) ? { kind: "drop" } : { kind: "text", text: escaped };
    }
    case ".":
      return { kind: "drop" };
    case "^":
    case "$":
      return { kind: "text", text: "" };
    default:
      return { kind: "text", text: char };
  }
}

function parseGroup(reader: PatternReader): PatternNode {
  const named = /^\?P?<([A-Za-z_]\w*)>/.exec(reader.source.slice(reader.index));
  if (named) {
    reader.index += named[0].length;
    reader.skipGroupBody();
    return { kind: "param", name: named[1] as string };
  }
  if (reader.startsWith("?:")) {
    reader.index += 2;
    return { kind: "group", alternatives: parseAlternatives(reader, true), optional: false };
  }
  if (reader.startsWith("?")) {
    // Lookarounds and flags describe no text of their own.
    reader.skipGroupBody();
    return { kind: "drop" };
  }
  return { kind: "group", alternatives: parseAlternatives(reader, true), optional: false };
}

/** `?` and `*` make the previous atom optional (a template takes the shorter form of a character). */
function applyQuantifier(reader: PatternReader, current: PatternNode[]): void {
  const quantifier = reader.peek();
  if (quantifier === "{") {
    while (!reader.atEnd() && reader.peek() !== "}") reader.index++;
  }
  reader.index++;
  if (reader.peek() === "?") reader.index++; // lazy form
  const previous = current[current.length - 1];
  if (previous === undefined || (quantifier !== "?" && quantifier !== "*")) return;
  if (previous.kind === "text") previous.text = "";
  else if (previous.kind === "group") previous.optional = true;
  else if (previous.kind === "param")
    current[current.length - 1] = { kind: "group", alternatives: [[previous]], optional: true };
}

function expandSequence(nodes: readonly PatternNode[]): string[] {
  let results = [""];
  for (const node of nodes) {
    const variants = expandNode(node);
    const next: string[] = [];
    for (const prefix of results) for (const variant of variants) next.push(prefix + variant);
    results = next.slice(0, templatesMax);
  }
  return results;
}

function expandNode(node: PatternNode): string[] {
  switch (node.kind) {
    case "text":
      return [node.text];
    case "param":
      return [`{${node.name}}`];
    case "drop":
      return [""];
    case "group": {
      const variants = node.alternatives.flatMap(expandSequence);
      return node.optional ? ["", ...variants] : variants;
    }
  }
}

/** The distinct OpenAPI templates (without the leading `/`) a pattern describes. */
export function expandPattern(pattern: string): string[] {
  const reader = new PatternReader(pattern.replaceAll("(?P<", "(?<"));
  const templates = parseAlternatives(reader, false).flatMap(expandSequence);
  const cleaned = templates.map((template) => template.replace(/\/{2,}/g, "/").replace(/^\//, ""));
  return [...new Set(cleaned)].slice(0, templatesMax);
}

/** The `{name}` parameters of a template, in order. */
export function templateParameters(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
}
