/** A parsed ACL policy: plain immutable data, the input of `compileAcl`. */
import type { Capability } from "./capability.js";

/** A value an allowed/denied parameter list may hold. Strings may carry a leading and/or trailing `*` glob. */
export type ParameterValue = string | number | boolean;

/** Parameter name (lowercased) -> values; an empty list means "any value". */
export type ParameterRules = Readonly<Record<string, readonly ParameterValue[]>>;

export interface PathRule {
  /**
   * The path pattern as written, minus a leading `/`: exact (`secret/foo`),
   * prefix (`secret/*`), or with `+` segment wildcards (`secret/+/config`,
   * `secret/+/*`). Identity templates (`{{identity.entity.id}}`) are still
   * unresolved here; `compileAcl` resolves them.
   */
  readonly pattern: string;
  /** After the legacy `policy` shorthand is applied; `["deny"]` when deny was listed. */
  readonly capabilities: readonly Capability[];
  readonly allowedParameters: ParameterRules;
  readonly deniedParameters: ParameterRules;
  readonly requiredParameters: readonly string[];
  /** 0 when unset. */
  readonly minWrappingTtlSeconds: number;
  readonly maxWrappingTtlSeconds: number;
  readonly subscribeEventTypes: readonly string[];
  /** True when the pattern holds `{{...}}` templates. */
  readonly templated: boolean;
  /** Where the rule starts in the policy text (0 for rules built in code). */
  readonly line: number;
}

export interface Policy {
  /** Lowercased, trimmed; `root` only for the built-in root policy. */
  readonly name: string;
  readonly paths: readonly PathRule[];
  /** The text as written (what `sys/policy/:name` returns). */
  readonly raw: string;
  /** True when any path holds an identity template. */
  readonly templated: boolean;
  /** Things Vault accepts silently but that likely do not mean what was meant (e.g. a `*` mid-path). */
  readonly warnings: readonly string[];
}

/**
 * Builds frozen ParameterRules with no prototype, so a parameter named
 * `__proto__` or `constructor` is only ever an ordinary key.
 */
export function parameterRulesFrom(entries: Iterable<readonly [string, readonly ParameterValue[]]>): ParameterRules {
  const rules: Record<string, readonly ParameterValue[]> = Object.create(null);
  for (const [name, values] of entries) {
    Object.defineProperty(rules, name, { value: Object.freeze([...values]), enumerable: true });
  }
  return Object.freeze(rules);
}
