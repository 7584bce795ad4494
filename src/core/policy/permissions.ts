/**
 * The permissions one path pattern carries once every policy that names that
 * exact pattern has been merged in (Vault's NewACL). Rules with different
 * patterns are never merged: only the winning pattern decides a request.
 */
import { bitsOf, type Capability, capabilitiesOf, capabilityBit, capabilityNames } from "./capability.js";
import type { ParameterValue, PathRule } from "./types.js";

export type ParameterMap = ReadonlyMap<string, readonly ParameterValue[]>;

export interface Permissions {
  readonly bits: number;
  /** `bits` as names (`["deny"]` alone for a deny rule), computed once. */
  readonly capabilities: readonly Capability[];
  /** 0 when unset. */
  readonly minWrappingTtlSeconds: number;
  readonly maxWrappingTtlSeconds: number;
  readonly allowedParameters: ParameterMap;
  readonly deniedParameters: ParameterMap;
  readonly requiredParameters: readonly string[];
  readonly subscribeEventTypes: readonly string[];
  /** For each capability, the policies that granted it at this pattern, in merge order. */
  readonly grantingPolicies: ReadonlyMap<Capability, readonly string[]>;
}

function toParameterMap(rules: PathRule["allowedParameters"]): Map<string, readonly ParameterValue[]> {
  return new Map(Object.entries(rules).map(([name, values]) => [name, [...values]]));
}

/**
 * Parameter lists merge key by key: values are concatenated, except that an
 * empty list ("any value") on either side stays empty.
 */
function mergeParameterMaps(existing: Map<string, readonly ParameterValue[]>, added: ParameterMap): void {
  for (const [name, values] of added) {
    const current = existing.get(name);
    if (values.length === 0 || (current !== undefined && current.length === 0)) {
      existing.set(name, []);
    } else {
      existing.set(name, [...values, ...(current ?? [])]);
    }
  }
}

/** Mutable while a compile runs; frozen into Permissions at the end. */
export class PermissionsBuilder {
  private bits: number;
  private minWrappingTtlSeconds: number;
  private maxWrappingTtlSeconds: number;
  private allowedParameters: Map<string, readonly ParameterValue[]>;
  private deniedParameters: Map<string, readonly ParameterValue[]>;
  private readonly requiredParameters: string[];
  private readonly subscribeEventTypes: string[];
  private readonly grantingPolicies = new Map<Capability, string[]>();

  constructor(rule: PathRule, policyName: string) {
    this.bits = bitsOf(rule.capabilities);
    this.minWrappingTtlSeconds = rule.minWrappingTtlSeconds;
    this.maxWrappingTtlSeconds = rule.maxWrappingTtlSeconds;
    this.allowedParameters = toParameterMap(rule.allowedParameters);
    this.deniedParameters = toParameterMap(rule.deniedParameters);
    this.requiredParameters = [...rule.requiredParameters];
    this.subscribeEventTypes = [...rule.subscribeEventTypes];
    this.addGrants(this.bits, policyName);
  }

  private addGrants(bits: number, policyName: string): void {
    for (const capability of capabilityNames) {
      if ((bits & capabilityBit[capability]) === 0) continue;
      const granted = this.grantingPolicies.get(capability) ?? [];
      if (!granted.includes(policyName)) granted.push(policyName);
      this.grantingPolicies.set(capability, granted);
    }
  }

  /** Merges another rule written for the same pattern. */
  merge(rule: PathRule, policyName: string): void {
    const ruleBits = bitsOf(rule.capabilities);
    // Deny is sticky: once a pattern is denied, nothing else at it counts.
    if ((this.bits & capabilityBit.deny) !== 0) return;
    if ((ruleBits & capabilityBit.deny) !== 0) {
      this.bits = capabilityBit.deny;
      this.allowedParameters = new Map();
      this.deniedParameters = new Map();
      return;
    }
    this.bits |= ruleBits;
    this.addGrants(ruleBits, policyName);
    // Of two wrapping bounds the smaller non-zero one is kept, for min and max alike.
    if (
      rule.maxWrappingTtlSeconds > 0 &&
      (this.maxWrappingTtlSeconds === 0 || rule.maxWrappingTtlSeconds < this.maxWrappingTtlSeconds)
    ) {
      this.maxWrappingTtlSeconds = rule.maxWrappingTtlSeconds;
    }
    if (
      rule.minWrappingTtlSeconds > 0 &&
      (this.minWrappingTtlSeconds === 0 || rule.minWrappingTtlSeconds < this.minWrappingTtlSeconds)
    ) {
      this.minWrappingTtlSeconds = rule.minWrappingTtlSeconds;
    }
    mergeParameterMaps(this.allowedParameters, toParameterMap(rule.allowedParameters));
    mergeParameterMaps(this.deniedParameters, toParameterMap(rule.deniedParameters));
    for (const name of rule.requiredParameters) {
      if (!this.requiredParameters.includes(name)) this.requiredParameters.push(name);
    }
    for (const eventType of rule.subscribeEventTypes) {
      if (!this.subscribeEventTypes.includes(eventType)) this.subscribeEventTypes.push(eventType);
    }
  }

  build(): Permissions {
    const freezeMap = (map: Map<string, readonly ParameterValue[]>): ParameterMap =>
      new Map([...map].map(([name, values]) => [name, Object.freeze([...values])]));
    return Object.freeze({
      bits: this.bits,
      capabilities: Object.freeze(capabilitiesOf(this.bits)),
      minWrappingTtlSeconds: this.minWrappingTtlSeconds,
      maxWrappingTtlSeconds: this.maxWrappingTtlSeconds,
      allowedParameters: freezeMap(this.allowedParameters),
      deniedParameters: freezeMap(this.deniedParameters),
      requiredParameters: Object.freeze([...this.requiredParameters]),
      subscribeEventTypes: Object.freeze([...this.subscribeEventTypes]),
      grantingPolicies: new Map(
        [...this.grantingPolicies].map(([capability, names]) => [capability, Object.freeze([...names])]),
      ),
    });
  }
}
