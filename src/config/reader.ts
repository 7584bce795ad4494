/**
 * Typed reads from one block of parsed config, with positions for errors.
 *
 * A BlockReader wraps the plain data of one block together with the matching
 * node of the source index. Each getter marks its key as known; `finish()`
 * then reports every key nobody asked for as unknown, at its line. Types are
 * lenient the way Vault's are where Vault is lenient (`tls_disable = "true"`
 * or `1`, durations as seconds or "1h30m"), and anything else is a problem
 * naming the key, the expected type and the position.
 */
import { parseDurationMs, parseDurationSeconds } from "../lib/index.js";
import type { ProblemList } from "./errors.js";
import type { RawObject } from "./source.js";
import { bodiesUnder, keyPosition, repeatedScalarKeys, type SourcePosition, type SourceValue } from "./source-index.js";

export interface IntegerBounds {
  readonly min?: number;
  readonly max?: number;
}

function isPlainObject(value: unknown): value is RawObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A block's bodies: HCL yields an array of objects, JSON may give a single object. */
function objectsOf(value: unknown): RawObject[] | undefined {
  if (isPlainObject(value)) return [value];
  if (Array.isArray(value) && value.length > 0 && value.every(isPlainObject)) return value;
  return undefined;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return value.length > 0 && value.every(isPlainObject) ? "a block" : "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "a block" : `${typeof value} ${JSON.stringify(value)}`;
}

const goBoolText: Record<string, boolean> = {
  "1": true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  "0": false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

/** Edit distance, to suggest the key an operator probably meant. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

export class BlockReader {
  private readonly known = new Set<string>();

  constructor(
    private readonly raw: RawObject,
    private readonly source: SourceValue | undefined,
    /** How errors name this block: `listener "tcp"`, `storage "raft" > retry_join`, or "" at the top level. */
    readonly context: string,
    private readonly problems: ProblemList,
    private readonly warnings: string[],
  ) {}

  get problemList(): ProblemList {
    return this.problems;
  }

  /** Warnings gathered so far, shared by a block and all its children. */
  get warningList(): readonly string[] {
    return [...this.warnings];
  }

  /** Where the block starts (or the file start when unknown). */
  get blockPosition(): SourcePosition | undefined {
    return this.source?.position;
  }

  position(key: string): SourcePosition | undefined {
    return keyPosition(this.source, key) ?? this.source?.position;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  /** Reports a problem at `key` (or at the block when key is undefined). */
  fail(key: string | undefined, message: string): void {
    const position = key === undefined ? this.source?.position : this.position(key);
    this.problems.add(position, this.context === "" ? message : `${this.context}: ${message}`);
  }

  warn(message: string): void {
    this.warnings.push(this.context === "" ? message : `${this.context}: ${message}`);
  }

  private take(key: string): unknown {
    this.known.add(key);
    const value = this.raw[key];
    return value === null ? undefined : value;
  }

  private typeError(key: string, expected: string, value: unknown): undefined {
    this.fail(key, `"${key}" must be ${expected}, got ${describe(value)}`);
    return undefined;
  }

  string(key: string): string | undefined {
    const value = this.take(key);
    if (value === undefined || typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return this.typeError(key, "a string", value);
  }

  bool(key: string): boolean | undefined {
    const value = this.take(key);
    if (value === undefined || typeof value === "boolean") return value;
    if (typeof value === "string" && value in goBoolText) return goBoolText[value];
    if (value === 0 || value === 1) return value === 1;
    return this.typeError(key, "a bool", value);
  }

  integer(key: string, bounds: IntegerBounds = {}): number | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    const number = typeof value === "string" && /^[-+]?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number !== "number" || !Number.isSafeInteger(number)) return this.typeError(key, "an integer", value);
    return this.checkBounds(key, number, bounds);
  }

  private checkBounds(key: string, number: number, bounds: IntegerBounds): number | undefined {
    if (bounds.min !== undefined && number < bounds.min) {
      this.fail(key, `"${key}" must be at least ${bounds.min}, got ${number}`);
      return undefined;
    }
    if (bounds.max !== undefined && number > bounds.max) {
      this.fail(key, `"${key}" must be at most ${bounds.max}, got ${number}`);
      return undefined;
    }
    return number;
  }

  /** A duration in whole seconds: a number of seconds, "3600" or "1h30m"; never negative. */
  durationSeconds(key: string): number | undefined {
    return this.duration(key, parseDurationSeconds, "s");
  }

  /** A duration in milliseconds, for timeouts where "500ms" matters. */
  durationMs(key: string): number | undefined {
    return this.duration(key, parseDurationMs, "ms");
  }

  private duration(key: string, parse: (input: unknown) => number, unit: string): number | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (typeof value !== "string" && typeof value !== "number") return this.typeError(key, "a duration", value);
    let amount: number;
    try {
      amount = parse(value);
    } catch {
      return this.typeError(key, 'a duration such as "90s" or "72h"', value);
    }
    if (amount < 0) {
      this.fail(key, `"${key}" must not be negative, got ${amount}${unit}`);
      return undefined;
    }
    return amount;
  }

  /** A list of strings; a single comma-separated string is accepted too, as Vault does. */
  stringList(key: string): string[] | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (typeof value === "string") {
      return value
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== "");
    }
    if (Array.isArray(value) && value.every((element) => typeof element === "string")) return value;
    return this.typeError(key, "a list of strings", value);
  }

  /** Unlabelled blocks such as `retry_join { ... }` or `telemetry { ... }`, in source order. */
  blocks(key: string, context = key): BlockReader[] {
    const value = this.take(key);
    if (value === undefined) return [];
    const objects = objectsOf(value);
    if (objects === undefined) {
      this.typeError(key, "a block", value);
      return [];
    }
    const bodies = bodiesUnder(this.source, key);
    return objects.map((object, index) => this.child(object, bodies[index], context));
  }

  /** Labelled blocks such as `listener "tcp" { ... }`: one entry per block, with its label. */
  labeledBlocks(key: string): Array<{ label: string; reader: BlockReader }> {
    const value = this.take(key);
    if (value === undefined) return [];
    const outers = objectsOf(value);
    if (outers === undefined) {
      this.typeError(key, `a block with a type, as in ${key} "type" { ... }`, value);
      return [];
    }
    const outerBodies = bodiesUnder(this.source, key);
    const result: Array<{ label: string; reader: BlockReader }> = [];
    outers.forEach((outer, outerIndex) => {
      const outerBody = outerBodies[outerIndex];
      for (const [label, inner] of Object.entries(outer)) {
        const bodies = objectsOf(inner);
        if (bodies === undefined) {
          const position = keyPosition(outerBody, label) ?? outerBody?.position;
          this.problems.add(position, `${key} needs a type label, as in ${key} "type" { ... } (found "${label}")`);
          continue;
        }
        const innerBodies = bodiesUnder(outerBody, label);
        bodies.forEach((body, index) => {
          const context = `${key} "${label}"`;
          result.push({ label, reader: this.child(body, innerBodies[index], context) });
        });
      }
    });
    return result;
  }

  /** A map of string to string, such as custom metadata. */
  stringMap(key: string): Record<string, string> | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    const objects = objectsOf(value);
    const merged: Record<string, string> = {};
    for (const object of objects ?? []) {
      for (const [name, entry] of Object.entries(object)) {
        if (typeof entry !== "string") return this.typeError(key, "a map of strings", value);
        merged[name] = entry;
      }
    }
    return objects === undefined ? this.typeError(key, "a map of strings", value) : merged;
  }

  /** Accepts a key Coffer has no use for, with a warning in the load result. */
  ignore(key: string, reason: string): void {
    if (this.has(key)) this.warn(`"${key}" ${reason}`);
    this.take(key);
  }

  /**
   * Ends reading: reports keys written twice in this block and keys nobody
   * asked for. `unsupported` maps Vault keys Coffer knowingly lacks to why.
   */
  finish(unsupported: Readonly<Record<string, string>> = {}): void {
    for (const { key, position } of repeatedScalarKeys(this.source)) {
      this.problems.add(position, `${this.prefix()}"${key}" is set more than once`);
    }
    for (const key of Object.keys(this.raw)) {
      if (this.known.has(key)) continue;
      const reason = unsupported[key];
      if (reason !== undefined) this.fail(key, `"${key}" is not supported: ${reason}`);
      else this.fail(key, `unknown key "${key}"${this.suggestion(key)}`);
    }
  }

  private prefix(): string {
    return this.context === "" ? "" : `${this.context}: `;
  }

  private suggestion(key: string): string {
    let best: string | undefined;
    let bestDistance = 3;
    for (const candidate of this.known) {
      const distance = editDistance(key, candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return best === undefined ? "" : ` (did you mean "${best}"?)`;
  }

  private child(raw: RawObject, source: SourceValue | undefined, name: string): BlockReader {
    const context = this.context === "" ? name : `${this.context} > ${name}`;
    return new BlockReader(raw, source, context, this.problems, this.warnings);
  }
}
