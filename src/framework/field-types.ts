/**
 * Vault's field types and how request input becomes a typed value. Input is
 * converted "weakly", as Vault's mapstructure decoding does: `"3600"` is a
 * valid int, `"true"` a valid bool, a single value a valid one-element slice.
 * Each converter returns the value or throws `FieldConversionError` with a
 * reason; FieldData turns that into Vault's `error converting input ...` 400.
 */
import { parseDurationSeconds, parseRfc3339 } from "../lib/index.js";

export const fieldTypes = [
  "string",
  "lowercase-string",
  "name",
  "int",
  "int64",
  "float",
  "bool",
  "duration",
  "signed-duration",
  "map",
  "kv-pairs",
  "slice",
  "string-slice",
  "comma-string-slice",
  "comma-int-slice",
  "header",
  "time",
] as const;

/**
 * - `string`, `lowercase-string` (lowercased), `name` (Vault's name rule: word
 *   characters, `-` and `.` inside).
 * - `int`, `int64`: safe integers; `float`: any finite number.
 * - `duration`: whole seconds from `3600`, `"3600"` or `"1h"`, never negative;
 *   `signed-duration` allows negative values.
 * - `map`: a JSON object; `kv-pairs`: string→string, from an object or `["k=v"]`.
 * - `slice`: any array; `string-slice`: strings (a single string is one element);
 *   `comma-string-slice`: `"a,b"` or `["a","b"]`; `comma-int-slice`: `"1,2"` or `[1,2]`.
 * - `header`: HTTP headers (canonical names → values), from an object, a JSON
 *   (or base64 JSON) string, or `["Name:value"]`.
 * - `time`: RFC 3339 text or Unix seconds, as a Date.
 */
export type FieldType = (typeof fieldTypes)[number];

export interface FieldValueByType {
  string: string;
  "lowercase-string": string;
  name: string;
  int: number;
  int64: number;
  float: number;
  bool: boolean;
  duration: number;
  "signed-duration": number;
  map: Record<string, unknown>;
  "kv-pairs": Record<string, string>;
  slice: unknown[];
  "string-slice": string[];
  "comma-string-slice": string[];
  "comma-int-slice": number[];
  header: Record<string, string[]>;
  time: Date;
}

/** A conversion failure; the message is the reason only (FieldData adds the field). */
export class FieldConversionError extends Error {
  override readonly name = "FieldConversionError";
}

type Converter<T extends FieldType> = (raw: unknown) => FieldValueByType[T];

/** The value a field reads as when it was not given and has no default. */
export function zeroValue<T extends FieldType>(type: T): FieldValueByType[T] {
  const zeros: { [K in FieldType]: () => FieldValueByType[K] } = {
    string: () => "",
    "lowercase-string": () => "",
    name: () => "",
    int: () => 0,
    int64: () => 0,
    float: () => 0,
    bool: () => false,
    duration: () => 0,
    "signed-duration": () => 0,
    map: () => ({}),
    "kv-pairs": () => ({}),
    slice: () => [],
    "string-slice": () => [],
    "comma-string-slice": () => [],
    "comma-int-slice": () => [],
    header: () => ({}),
    time: () => new Date(0),
  };
  return zeros[type]();
}

export function convertField<T extends FieldType>(type: T, raw: unknown): FieldValueByType[T] {
  return (converters[type] as Converter<T>)(raw);
}

const converters: { [K in FieldType]: Converter<K> } = {
  string: (raw) => toWeakString(raw),
  "lowercase-string": (raw) => toWeakString(raw).toLowerCase(),
  name: toName,
  int: toInteger,
  int64: toInteger,
  float: toFloat,
  bool: toBool,
  duration: (raw) => toDuration(raw, false),
  "signed-duration": (raw) => toDuration(raw, true),
  map: toMap,
  "kv-pairs": toKvPairs,
  slice: (raw) => (Array.isArray(raw) ? [...raw] : [raw]),
  "string-slice": toStringSlice,
  "comma-string-slice": toCommaStringSlice,
  "comma-int-slice": toCommaIntSlice,
  header: toHeader,
  time: toTime,
};

/** JSON kind of a value, for messages. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return "object";
  return typeof value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Scalars become strings as mapstructure's weak decoding does (true -> "1"). */
function toWeakString(raw: unknown): string {
  if (typeof raw === "string") return raw;
  if (typeof raw === "number" && Number.isFinite(raw)) return String(raw);
  if (typeof raw === "boolean") return raw ? "1" : "0";
  throw new FieldConversionError(`expected a string, got ${kindOf(raw)}`);
}

const namePattern = /^\w(?:[\w.-]*\w)?$/;

function toName(raw: unknown): string {
  const text = toWeakString(raw);
  if (!namePattern.test(text)) throw new FieldConversionError("field does not match the formatting rules");
  return text;
}

function toInteger(raw: unknown): number {
  if (typeof raw === "boolean") return raw ? 1 : 0;
  if (typeof raw === "number") {
    if (Number.isSafeInteger(raw)) return raw;
    throw new FieldConversionError(`cannot use ${raw} as an integer`);
  }
  if (typeof raw === "string") {
    const text = raw.trim();
    if (text === "") return 0;
    const value = /^[-+]?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value)) throw new FieldConversionError(`cannot parse "${raw}" as an integer`);
    return value;
  }
  throw new FieldConversionError(`expected an integer, got ${kindOf(raw)}`);
}

function toFloat(raw: unknown): number {
  if (typeof raw === "boolean") return raw ? 1 : 0;
  if (typeof raw === "number" && Number.isFinite(raw)) return raw;
  if (typeof raw === "string") {
    if (raw.trim() === "") return 0;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new FieldConversionError(`cannot parse "${raw}" as a number`);
    return value;
  }
  throw new FieldConversionError(`expected a number, got ${kindOf(raw)}`);
}

const trueWords = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const falseWords = new Set(["0", "f", "F", "FALSE", "false", "False", ""]);

function toBool(raw: unknown): boolean {
  if (typeof raw === "boolean") return raw;
  if (typeof raw === "number" && Number.isFinite(raw)) return raw !== 0;
  if (typeof raw === "string") {
    if (trueWords.has(raw)) return true;
    if (falseWords.has(raw)) return false;
    throw new FieldConversionError(`cannot parse "${raw}" as a boolean`);
  }
  throw new FieldConversionError(`expected a boolean, got ${kindOf(raw)}`);
}

function toDuration(raw: unknown, signed: boolean): number {
  if (typeof raw !== "string" && typeof raw !== "number") {
    throw new FieldConversionError(`expected a duration, got ${kindOf(raw)}`);
  }
  let seconds: number;
  try {
    seconds = parseDurationSeconds(raw);
  } catch (error) {
    throw new FieldConversionError((error as Error).message);
  }
  if (!signed && seconds < 0) throw new FieldConversionError(`cannot provide negative value '${seconds}'`);
  return seconds;
}

function toMap(raw: unknown): Record<string, unknown> {
  if (isPlainObject(raw)) return { ...raw };
  // Weak decoding turns an empty list into an empty map (a form clients send for "no entries").
  if (Array.isArray(raw) && raw.length === 0) return {};
  throw new FieldConversionError(`expected a map, got ${kindOf(raw)}`);
}

function toKvPairs(raw: unknown): Record<string, string> {
  if (isPlainObject(raw)) {
    return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, toWeakString(value)]));
  }
  const pairs = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : undefined;
  if (pairs === undefined) throw new FieldConversionError(`expected a map or key=value pairs, got ${kindOf(raw)}`);
  const entries = pairs.map((pair) => {
    const text = toWeakString(pair);
    const equals = text.indexOf("=");
    if (equals <= 0) throw new FieldConversionError(`invalid key pair "${text}"`);
    return [text.slice(0, equals), text.slice(equals + 1)] as const;
  });
  return Object.fromEntries(entries);
}

function toStringSlice(raw: unknown): string[] {
  if (raw === "") return [];
  const items = Array.isArray(raw) ? raw : [raw];
  return items.map((item) => toWeakString(item).trim());
}

function toCommaStringSlice(raw: unknown): string[] {
  if (raw === "") return [];
  if (typeof raw === "string") return raw.split(",").map((item) => item.trim());
  return toStringSlice(raw);
}

function toCommaIntSlice(raw: unknown): number[] {
  if (raw === "") return [];
  const items = typeof raw === "string" ? raw.split(",") : Array.isArray(raw) ? raw : [raw];
  return items.map(toInteger);
}

function toHeader(raw: unknown): Record<string, string[]> {
  if (isPlainObject(raw)) return headerFromObject(raw);
  if (typeof raw === "string") return headerFromObject(parseJsonObject(raw));
  if (Array.isArray(raw)) {
    const header: Record<string, string[]> = {};
    for (const item of raw) {
      const colon = typeof item === "string" ? item.indexOf(":") : -1;
      if (colon <= 0) throw new FieldConversionError(`invalid key pair "${String(item)}"`);
      addHeader(header, (item as string).slice(0, colon), (item as string).slice(colon + 1));
    }
    return header;
  }
  throw new FieldConversionError(`expected headers, got ${kindOf(raw)}`);
}

/** Header JSON may come base64-encoded (it is sent in a header to save space). */
function parseJsonObject(text: string): Record<string, unknown> {
  const candidates = [text];
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0) {
    candidates.unshift(Buffer.from(text, "base64").toString("utf8"));
  }
  for (const candidate of candidates) {
    try {
      const parsed: unknown = JSON.parse(candidate);
      if (isPlainObject(parsed)) return parsed;
    } catch {
      // try the next reading of the text
    }
  }
  throw new FieldConversionError("headers must be a JSON object");
}

function headerFromObject(object: Record<string, unknown>): Record<string, string[]> {
  const header: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(object)) {
    for (const value of Array.isArray(values) ? values : [values]) {
      if (typeof value !== "string" && typeof value !== "number") {
        throw new FieldConversionError(`received non-string value for header key: ${name}`);
      }
      addHeader(header, name, String(value));
    }
  }
  return header;
}

function addHeader(header: Record<string, string[]>, name: string, value: string): void {
  const canonical = canonicalHeaderName(name);
  const existing = Object.hasOwn(header, canonical) ? header[canonical] : undefined;
  if (existing) existing.push(value);
  else
    Object.defineProperty(header, canonical, { value: [value], enumerable: true, writable: true, configurable: true });
}

/** Go's CanonicalMIMEHeaderKey: "content-type" -> "Content-Type"; names with odd characters stay as given. */
export function canonicalHeaderName(name: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(name)) return name;
  return name
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join("-");
}

function toTime(raw: unknown): Date {
  if (typeof raw === "number" && Number.isFinite(raw)) return new Date(Math.trunc(raw) * 1000);
  if (typeof raw === "string") {
    if (/^\d+$/.test(raw)) return new Date(Number(raw) * 1000);
    try {
      return new Date(parseRfc3339(raw));
    } catch (error) {
      throw new FieldConversionError((error as Error).message);
    }
  }
  throw new FieldConversionError(`expected an RFC 3339 time, got ${kindOf(raw)}`);
}

/** Go's `%v` rendering of a JSON value, which Vault prints in conversion errors. */
export function formatGoValue(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(formatGoValue).join(" ")}]`;
  if (isPlainObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${key}:${formatGoValue(value[key])}`);
    return `map[${entries.join(" ")}]`;
  }
  return String(value);
}
