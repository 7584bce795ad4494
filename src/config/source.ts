/**
 * Text -> plain data + key positions. HCL goes through js-hcl-parser (HCL1, as
 * Vault's config files are); JSON goes through JSON.parse, because the HCL1
 * JSON reader silently drops some malformed input (`{"a": }` parses as `{}`).
 */
import { createRequire } from "node:module";
import { ConfigError } from "./errors.js";
import { type SourcePosition, SourceScanError, type SourceValue, scanSource } from "./source-index.js";

interface HclParser {
  parse(input: string): string;
}

// js-hcl-parser is a CommonJS bundle without types: parse() returns JSON text,
// or an error sentence ("unable to parse JSON: At 3:7: ...") instead of throwing.
const hclParser = createRequire(import.meta.url)("js-hcl-parser") as HclParser;

export type RawObject = Record<string, unknown>;

export interface ParsedSource {
  readonly root: RawObject;
  /** Key positions; undefined when the scanner could not follow the text. */
  readonly index: SourceValue | undefined;
}

export type SourceFormat = "hcl" | "json";

export function formatOf(fileName: string, text: string): SourceFormat {
  if (fileName.toLowerCase().endsWith(".json")) return "json";
  if (fileName.toLowerCase().endsWith(".hcl")) return "hcl";
  return text.trimStart().startsWith("{") ? "json" : "hcl";
}

function scanOrUndefined(text: string): SourceValue | undefined {
  try {
    return scanSource(text);
  } catch {
    return undefined;
  }
}

function syntaxError(fileName: string, position: SourcePosition | undefined, message: string): ConfigError {
  return new ConfigError([{ fileName, position, message }]);
}

/** Line and column of a character offset. */
function positionAt(text: string, offset: number): SourcePosition {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/** A parser message without a position may still quote the offending literal; find its first line. */
function positionOfQuotedLiteral(text: string, message: string): SourcePosition | undefined {
  const literal = /"([^"]+)"/.exec(message)?.[1];
  if (literal === undefined) return undefined;
  const offset = text.indexOf(literal);
  return offset < 0 ? undefined : positionAt(text, offset);
}

function parseHcl(text: string, fileName: string): RawObject {
  const output = hclParser.parse(text);
  if (output.startsWith("unable to")) {
    const detail = output.replace(/^unable to parse JSON: /, "");
    const match = /^At (\d+):(\d+): (.*)$/s.exec(detail);
    if (match) {
      const position = { line: Number(match[1]), column: Number(match[2]) };
      throw syntaxError(fileName, position, `syntax error: ${match[3]}`);
    }
    throw syntaxError(fileName, positionOfQuotedLiteral(text, detail), `syntax error: ${detail}`);
  }
  const parsed: unknown = JSON.parse(output);
  if (parsed === null) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw syntaxError(fileName, undefined, "the file must hold an object of settings");
  }
  return parsed as RawObject;
}

/** JSON.parse names no position on Node 20; the scanner finds where it stops making sense. */
function jsonErrorPosition(text: string, error: unknown): SourcePosition | undefined {
  const offset = /position (\d+)/.exec(error instanceof Error ? error.message : "")?.[1];
  if (offset !== undefined) return positionAt(text, Number(offset));
  try {
    scanSource(text);
  } catch (scanError) {
    if (scanError instanceof SourceScanError) return scanError.position;
  }
  return undefined;
}

function parseJson(text: string, fileName: string): RawObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      [{ fileName, position: jsonErrorPosition(text, error), message: `syntax error: ${reason}` }],
      {
        cause: error,
      },
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw syntaxError(fileName, { line: 1, column: 1 }, "the file must hold a JSON object of settings");
  }
  return parsed as RawObject;
}

export function parseSource(text: string, fileName: string, format = formatOf(fileName, text)): ParsedSource {
  const root = format === "json" ? parseJson(text, fileName) : parseHcl(text, fileName);
  return { root, index: scanOrUndefined(text) };
}
