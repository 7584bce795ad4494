/**
 * Parses policy text into a positioned tree. JSON is chosen the way HCL1
 * chooses it: the first non-blank character is `{`.
 *
 * HCL syntax is first checked by js-hcl-parser, which is hashicorp/hcl v1
 * itself compiled to JavaScript: a syntax error then carries exactly the text
 * Vault reports (`At 3:2: object expected closing RBRACE got: EOF`). It does
 * not give positions for anything it accepts, so our own parser builds the
 * tree that later checks (unknown keys, bad capabilities) take line numbers
 * from.
 */
import { createRequire } from "node:module";
import { type Document, HclSyntaxError } from "./ast.js";
import { parseJsonItems } from "./json.js";
import { parseHclItems } from "./parser.js";

export {
  type Document,
  HclSyntaxError,
  type ListNode,
  type LiteralNode,
  type LiteralValue,
  type ObjectItem,
  type ObjectKey,
  type ObjectNode,
  type Position,
  type ValueNode,
} from "./ast.js";

interface ReferenceHclParser {
  /** Parses and reprints HCL; on a syntax error returns "unable to parse HCL: At l:c: ...". */
  stringify(text: string): string;
}

let referenceParser: ReferenceHclParser | null | undefined;

function loadReferenceParser(): ReferenceHclParser | null {
  if (referenceParser !== undefined) return referenceParser;
  try {
    const required: unknown = createRequire(import.meta.url)("js-hcl-parser");
    const candidate = required as Partial<ReferenceHclParser> | null;
    referenceParser = typeof candidate?.stringify === "function" ? (candidate as ReferenceHclParser) : null;
  } catch {
    // Without the reference parser our own parser's messages are used; they follow the same form.
    referenceParser = null;
  }
  return referenceParser;
}

const referenceErrorPattern = /^unable to parse HCL: At (\d+):(\d+): ([\s\S]*)$/;

/** The reference parser's verdict on HCL syntax, or undefined when it accepts (or cannot say). */
function referenceSyntaxError(text: string): HclSyntaxError | undefined {
  const parser = loadReferenceParser();
  if (parser === null) return undefined;
  let output: unknown;
  try {
    output = parser.stringify(text);
  } catch {
    return undefined;
  }
  if (typeof output !== "string") return undefined;
  const match = referenceErrorPattern.exec(output);
  if (match === null) return undefined;
  const [, line, column, detail] = match;
  return new HclSyntaxError({ line: Number(line), column: Number(column) }, (detail as string).trim());
}

export function isJsonText(text: string): boolean {
  return text.trimStart().startsWith("{");
}

/** Throws HclSyntaxError on malformed input. */
export function parseDocument(text: string, options: { readonly referenceCheck?: boolean } = {}): Document {
  if (isJsonText(text)) return { syntax: "json", items: parseJsonItems(text) };
  if (options.referenceCheck !== false) {
    const error = referenceSyntaxError(text);
    if (error !== undefined) throw error;
  }
  return { syntax: "hcl", items: parseHclItems(text) };
}
