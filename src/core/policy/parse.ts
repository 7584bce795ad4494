/**
 * Policy text (HCL1 or JSON) to a Policy. Errors are PolicyParseError (400)
 * with Vault's `failed to parse policy: ...` text plus the line.
 */
import { PolicyParseError } from "./errors.js";
import { HclSyntaxError, type ObjectItem, type ObjectNode, type Position, parseDocument } from "./hcl/index.js";
import { normalizePolicyName } from "./names.js";
import { decodePathRule } from "./parse-path.js";
import { type PathRule, type Policy, parameterRulesFrom } from "./types.js";

export interface ParsePolicyOptions {
  /** The policy's name (from the URL, not the text); normalised as Vault does. Default "". */
  readonly name?: string;
  /**
   * Check HCL syntax with the reference HCL1 parser first so syntax errors
   * read exactly as Vault's (default true; built-in policies skip it).
   */
  readonly referenceSyntaxCheck?: boolean;
}

const topLevelKeys = new Set(["name", "path"]);

interface PathBlock {
  readonly pattern: string;
  readonly position: Position;
  readonly body: ObjectNode;
}

export function parsePolicy(text: string, options: ParsePolicyOptions = {}): Policy {
  // Guards callers that pass a request field through unchecked.
  if (typeof text !== "string") throw new PolicyParseError("the policy must be a string");
  let items: readonly ObjectItem[];
  let syntax: "hcl" | "json";
  try {
    const document = parseDocument(text, { referenceCheck: options.referenceSyntaxCheck !== false });
    items = document.items;
    syntax = document.syntax;
  } catch (error) {
    if (error instanceof HclSyntaxError) throw new PolicyParseError(error.message, error.position, { cause: error });
    throw error;
  }
  const warnings: string[] = [];
  const paths: PathRule[] = [];
  for (const item of items) {
    const key = item.keys[0];
    if (key === undefined) continue;
    if (!topLevelKeys.has(key.text)) {
      throw new PolicyParseError(`invalid key ${JSON.stringify(key.text)} on line ${key.position.line}`, key.position);
    }
    // `name` is accepted for compatibility; the name that counts comes from the API path.
    if (key.text !== "path") continue;
    const blocks = syntax === "json" ? jsonPathBlocks(item) : [hclPathBlock(item)];
    for (const block of blocks) paths.push(decodePathRule(block.pattern, block.position, block.body, warnings));
  }
  return Object.freeze({
    name: normalizePolicyName(options.name ?? ""),
    paths: Object.freeze(paths.map(freezeRule)),
    raw: text,
    templated: paths.some((rule) => rule.templated),
    warnings: Object.freeze(warnings),
  });
}

function hclPathBlock(item: ObjectItem): PathBlock {
  const [keyword, label, extra] = item.keys;
  if (keyword === undefined) throw new Error("item without a key");
  if (label === undefined || item.assigned || item.value.kind !== "object") {
    throw new PolicyParseError(
      `path must be written as path "<pattern>" { ... } on line ${keyword.position.line}`,
      keyword.position,
    );
  }
  if (extra !== undefined) {
    throw new PolicyParseError(
      `path ${JSON.stringify(label.text)}: unexpected label ${JSON.stringify(extra.text)} on line ${extra.position.line}`,
      extra.position,
    );
  }
  return { pattern: label.text, position: label.position, body: item.value };
}

/** `"path": {"<pattern>": {...}, ...}` or `"path": [{"<pattern>": {...}}, ...]`. */
function jsonPathBlocks(item: ObjectItem): PathBlock[] {
  const keyword = item.keys[0];
  if (keyword === undefined) throw new Error("item without a key");
  const containers = item.value.kind === "list" ? item.value.elements : [item.value];
  const blocks: PathBlock[] = [];
  for (const container of containers) {
    if (container.kind !== "object") {
      throw new PolicyParseError(
        `"path" must map path patterns to rule objects on line ${container.position.line}`,
        container.position,
      );
    }
    for (const entry of container.items) {
      const patternKey = entry.keys[0];
      if (patternKey === undefined) continue;
      if (entry.value.kind !== "object") {
        throw new PolicyParseError(
          `path ${JSON.stringify(patternKey.text)}: rules must be an object on line ${entry.value.position.line}`,
          entry.value.position,
        );
      }
      blocks.push({ pattern: patternKey.text, position: patternKey.position, body: entry.value });
    }
  }
  return blocks;
}

function freezeRule(rule: PathRule): PathRule {
  return Object.freeze({
    ...rule,
    capabilities: Object.freeze([...rule.capabilities]),
    allowedParameters: parameterRulesFrom(Object.entries(rule.allowedParameters)),
    deniedParameters: parameterRulesFrom(Object.entries(rule.deniedParameters)),
    requiredParameters: Object.freeze([...rule.requiredParameters]),
    subscribeEventTypes: Object.freeze([...rule.subscribeEventTypes]),
  });
}
