/**
 * JSON Merge Patch (RFC 7396), the body of Vault's PATCH requests: an object
 * patch merges key by key, `null` removes a key, anything else replaces.
 */
import { isPlainObject } from "./field-types.js";

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    // defineProperty, not assignment: a "__proto__" key from JSON must stay plain data.
    else {
      const merged = mergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value);
      Object.defineProperty(result, key, { value: merged, enumerable: true, writable: true, configurable: true });
    }
  }
  return result;
}
