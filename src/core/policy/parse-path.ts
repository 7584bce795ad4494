/**
 * One `path "<pattern>" { ... }` block to a PathRule, with Vault's checks in
 * Vault's order (policy.go parsePaths) and its messages, each followed by the
 * line it is about.
 */
import { parseDurationSeconds } from "../../lib/index.js";
import { type Capability, isCapability, legacyPolicyCapabilities } from "./capability.js";
import { PolicyParseError } from "./errors.js";
import type { ObjectItem, ObjectNode, Position, ValueNode } from "./hcl/index.js";
import { hasTemplates, unbalancedTemplateMessage } from "./template.js";
import { type ParameterRules, type ParameterValue, type PathRule, parameterRulesFrom } from "./types.js";

const pathKeys = new Set([
  "comment",
  "policy",
  "capabilities",
  "allowed_parameters",
  "denied_parameters",
  "required_parameters",
  "min_wrapping_ttl",
  "max_wrapping_ttl",
  "mfa_methods",
  "control_group",
  "subscribe_event_types",
]);

/**
 * Vault Enterprise keys. Vault's community edition accepts and ignores them;
 * ignoring a control group or an MFA requirement would silently grant what
 * the author meant to guard, so Coffer refuses the policy instead.
 */
const enterpriseOnlyKeys = new Set(["mfa_methods", "control_group"]);

class PathContext {
  constructor(readonly rawPattern: string) {}

  fail(detail: string, position: Position | undefined): never {
    const where = position === undefined ? "" : ` on line ${position.line}`;
    throw new PolicyParseError(`path ${JSON.stringify(this.rawPattern)}: ${detail}${where}`, position);
  }
}

export function decodePathRule(
  rawPattern: string,
  keyPosition: Position,
  body: ObjectNode,
  warnings: string[],
): PathRule {
  const context = new PathContext(rawPattern);
  let templated: boolean;
  try {
    templated = hasTemplates(rawPattern);
  } catch {
    throw new PolicyParseError(
      `failed to validate policy templating: ${unbalancedTemplateMessage} on line ${keyPosition.line}`,
      keyPosition,
    );
  }
  const attributes = collectAttributes(context, body);
  const pattern = rawPattern.startsWith("/") ? rawPattern.slice(1) : rawPattern;
  if (pattern.includes("+*")) context.fail("invalid use of wildcards ('+*' is forbidden)", keyPosition);
  const midGlob = pattern.slice(0, -1).indexOf("*");
  if (midGlob >= 0 && !templated) {
    warnings.push(
      `path ${JSON.stringify(rawPattern)}: "*" is a wildcard only as the last character; the "*" at position ${midGlob + 1} matches a literal "*"`,
    );
  }
  const base = {
    pattern,
    templated,
    line: keyPosition.line,
    allowedParameters: {},
    deniedParameters: {},
    requiredParameters: [],
    minWrappingTtlSeconds: 0,
    maxWrappingTtlSeconds: 0,
    subscribeEventTypes: [],
  };
  const capabilities = decodeCapabilities(context, attributes);
  // As in Vault, a deny rule ends here: nothing else in it can matter.
  if (capabilities.includes("deny")) return { ...base, capabilities: ["deny"] };
  const allowedParameters = decodeParameterRules(context, attributes.get("allowed_parameters"));
  const deniedParameters = decodeParameterRules(context, attributes.get("denied_parameters"));
  const minWrappingTtlSeconds = decodeDuration(context, attributes.get("min_wrapping_ttl"));
  const maxWrappingTtlSeconds = decodeDuration(context, attributes.get("max_wrapping_ttl"));
  if (minWrappingTtlSeconds !== 0 && maxWrappingTtlSeconds !== 0 && maxWrappingTtlSeconds < minWrappingTtlSeconds) {
    context.fail(
      "max_wrapping_ttl cannot be less than min_wrapping_ttl",
      attributes.get("max_wrapping_ttl")?.keys[0]?.position,
    );
  }
  const requiredItem = attributes.get("required_parameters");
  const requiredParameters = decodeStringList(context, requiredItem);
  for (const name of requiredParameters) {
    if (name.includes("*")) {
      context.fail(
        `required_parameters: parameter key ${JSON.stringify(name)}: wildcard is not permitted here`,
        requiredItem?.value.position,
      );
    }
  }
  const subscribeEventTypes = decodeStringList(context, attributes.get("subscribe_event_types"));
  return {
    ...base,
    capabilities,
    allowedParameters,
    deniedParameters,
    requiredParameters,
    minWrappingTtlSeconds,
    maxWrappingTtlSeconds,
    subscribeEventTypes,
  };
}

function collectAttributes(context: PathContext, body: ObjectNode): Map<string, ObjectItem> {
  const attributes = new Map<string, ObjectItem>();
  for (const item of body.items) {
    const [key, extra] = item.keys;
    if (key === undefined) continue;
    if (!pathKeys.has(key.text)) context.fail(`invalid key ${JSON.stringify(key.text)}`, key.position);
    if (enterpriseOnlyKeys.has(key.text)) {
      context.fail(
        `${JSON.stringify(key.text)} is a Vault Enterprise feature that Coffer does not enforce`,
        key.position,
      );
    }
    if (extra !== undefined)
      context.fail(`unexpected label ${JSON.stringify(extra.text)} after ${JSON.stringify(key.text)}`, extra.position);
    if (attributes.has(key.text)) context.fail(`duplicate key ${JSON.stringify(key.text)}`, key.position);
    attributes.set(key.text, item);
  }
  return attributes;
}

function decodeCapabilities(context: PathContext, attributes: Map<string, ObjectItem>): Capability[] {
  const listed = attributes.get("capabilities");
  const names: Array<{ name: string; position: Position }> = [];
  if (listed !== undefined) {
    for (const element of listElements(context, listed)) {
      if (element.kind !== "literal" || typeof element.value !== "string") {
        context.fail("capabilities must be a list of strings", element.position);
      }
      names.push({ name: element.value, position: element.position });
    }
  }
  const policyItem = attributes.get("policy");
  if (policyItem !== undefined) {
    const shorthand = policyItem.value;
    if (shorthand.kind !== "literal" || typeof shorthand.value !== "string") {
      context.fail("policy must be a string", shorthand.position);
    }
    const mapped = legacyPolicyCapabilities[shorthand.value];
    if (mapped === undefined || !Object.hasOwn(legacyPolicyCapabilities, shorthand.value)) {
      context.fail(`invalid policy ${JSON.stringify(shorthand.value)}`, shorthand.position);
    }
    // `policy = "deny"` replaces whatever `capabilities` said; the others add to it.
    if (shorthand.value === "deny") return ["deny"];
    for (const name of mapped) names.push({ name, position: shorthand.position });
  }
  const capabilities: Capability[] = [];
  for (const { name, position } of names) {
    if (name === "deny") return ["deny"];
    if (!isCapability(name)) context.fail(`invalid capability ${JSON.stringify(name)}`, position);
    if (!capabilities.includes(name)) capabilities.push(name);
  }
  return capabilities;
}

function listElements(context: PathContext, item: ObjectItem): readonly ValueNode[] {
  if (item.value.kind !== "list") {
    context.fail(`${item.keys[0]?.text ?? "value"} must be a list`, item.value.position);
  }
  return item.value.elements;
}

function decodeStringList(context: PathContext, item: ObjectItem | undefined): string[] {
  if (item === undefined) return [];
  const name = item.keys[0]?.text ?? "value";
  return listElements(context, item).map((element) => {
    if (element.kind !== "literal" || typeof element.value !== "string") {
      context.fail(`${name} must be a list of strings`, element.position);
    }
    return element.value;
  });
}

function decodeParameterRules(context: PathContext, item: ObjectItem | undefined): ParameterRules {
  if (item === undefined) return {};
  const field = item.keys[0]?.text ?? "parameters";
  if (item.value.kind !== "object") {
    context.fail(`${field} must be a map of parameter names to lists of values`, item.value.position);
  }
  const rules = new Map<string, readonly ParameterValue[]>();
  for (const entry of item.value.items) {
    const [key, extra] = entry.keys;
    if (key === undefined) continue;
    if (extra !== undefined) context.fail(`${field}: unexpected label ${JSON.stringify(extra.text)}`, extra.position);
    validateParameterKey(context, field, key.text, key.position);
    const name = key.text.toLowerCase();
    if (rules.has(name)) context.fail(`${field}: duplicate parameter key ${JSON.stringify(name)}`, key.position);
    if (entry.value.kind !== "list") {
      context.fail(`${field}: parameter ${JSON.stringify(key.text)} must be a list of values`, entry.value.position);
    }
    const values = entry.value.elements.map((element) => {
      if (element.kind !== "literal" || element.value === null) {
        context.fail(
          `${field}: values of ${JSON.stringify(key.text)} must be strings, numbers or booleans`,
          element.position,
        );
      }
      return element.value;
    });
    rules.set(name, values);
  }
  return parameterRulesFrom(rules);
}

function validateParameterKey(context: PathContext, field: string, key: string, position: Position): void {
  // Newer Vault reads keys starting with "/" as JSON pointers into nested
  // data. Reading them as plain names would let a denied nested value
  // through, so they are refused.
  if (key.startsWith("/")) {
    context.fail(
      `${field}: parameter key ${JSON.stringify(key)}: JSON pointer parameter keys are not supported`,
      position,
    );
  }
  if (key.includes("*") && key !== "*") {
    context.fail(`${field}: parameter key ${JSON.stringify(key)} cannot contain non-tail wildcards`, position);
  }
}

function decodeDuration(context: PathContext, item: ObjectItem | undefined): number {
  if (item === undefined) return 0;
  const field = item.keys[0]?.text ?? "duration";
  const value = item.value;
  try {
    if (value.kind !== "literal") throw new Error("could not parse duration from input");
    return parseDurationSeconds(value.value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return context.fail(`error parsing ${field}: ${reason}`, value.position);
  }
}
