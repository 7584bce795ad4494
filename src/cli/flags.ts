/**
 * Vault-style flags: single-dash long names (`-key-shares=5`), also written
 * `-key-shares 5` or `--key-shares=5`; booleans as `-force` or `-force=false`.
 * Unlike Go's flag package, flags may also follow positional arguments
 * (`coffer read secret/x -format=json`); `--` ends flag parsing.
 */

export type FlagKind = "bool" | "string" | "int" | "strings";

export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly usage: string;
  /** Shown in help; the parsed value of an absent flag is `undefined`. */
  readonly defaultText?: string;
  readonly aliases?: readonly string[];
}

export type FlagValue = boolean | string | number | string[];

export class FlagValues {
  constructor(private readonly values: ReadonlyMap<string, FlagValue>) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string): string | undefined {
    const value = this.values.get(name);
    return typeof value === "string" ? value : undefined;
  }

  bool(name: string): boolean | undefined {
    const value = this.values.get(name);
    return typeof value === "boolean" ? value : undefined;
  }

  int(name: string): number | undefined {
    const value = this.values.get(name);
    return typeof value === "number" ? value : undefined;
  }

  strings(name: string): string[] {
    const value = this.values.get(name);
    return Array.isArray(value) ? value : [];
  }
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface ParsedArgs {
  readonly flags: FlagValues;
  readonly positional: string[];
  readonly help: boolean;
}

const boolText: Record<string, boolean> = {
  "1": true,
  t: true,
  true: true,
  "0": false,
  f: false,
  false: false,
};

function convert(spec: FlagSpec, raw: string, current: FlagValue | undefined): FlagValue {
  switch (spec.kind) {
    case "bool": {
      const value = boolText[raw.toLowerCase()];
      if (value === undefined) throw new UsageError(`invalid boolean value "${raw}" for -${spec.name}`);
      return value;
    }
    case "int": {
      if (!/^[-+]?\d+$/.test(raw.trim()))
        throw new UsageError(`invalid value "${raw}" for -${spec.name}: not an integer`);
      return Number(raw);
    }
    case "strings":
      return [...(Array.isArray(current) ? current : []), raw];
    case "string":
      return raw;
  }
}

function lookup(specs: readonly FlagSpec[], name: string): FlagSpec | undefined {
  return specs.find((spec) => spec.name === name || spec.aliases?.includes(name));
}

/** Parses argv against the flags a command accepts. Throws UsageError with Go's wording. */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const values = new Map<string, FlagValue>();
  const positional: string[] = [];
  let help = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === "--") {
      positional.push(...argv.slice(index + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const equals = body.indexOf("=");
    const name = equals < 0 ? body : body.slice(0, equals);
    if (name === "h" || name === "help") {
      help = true;
      continue;
    }
    const spec = lookup(specs, name);
    if (spec === undefined) throw new UsageError(`flag provided but not defined: -${name}`);
    let raw: string;
    if (equals >= 0) raw = body.slice(equals + 1);
    else if (spec.kind === "bool") raw = "true";
    else {
      const next = argv[index + 1];
      if (next === undefined) throw new UsageError(`flag needs an argument: -${name}`);
      raw = next;
      index += 1;
    }
    values.set(spec.name, convert(spec, raw, values.get(spec.name)));
  }
  return { flags: new FlagValues(values), positional, help };
}

/** The "Options:" part of a command's help. */
export function flagHelp(title: string, specs: readonly FlagSpec[]): string {
  const lines = [`${title}:`, ""];
  for (const spec of specs) {
    const value = spec.kind === "bool" ? "" : spec.kind === "int" ? "=<int>" : "=<string>";
    const fallback = spec.defaultText === undefined ? "" : ` The default is ${spec.defaultText}.`;
    lines.push(`  -${spec.name}${value}`, `      ${spec.usage}${fallback}`, "");
  }
  return lines.join("\n");
}
