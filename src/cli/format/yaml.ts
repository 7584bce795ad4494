/**
 * A small YAML emitter for JSON values (`-format=yaml`): block mappings with
 * sorted keys as Go's yaml does, block sequences, and strings quoted whenever
 * plain style could be read back as something else.
 */

const plainSafe = /^[A-Za-z_/.][A-Za-z0-9_./-]*$/;
const reserved = /^(true|false|yes|no|on|off|null|~|y|n)$/i;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const text = String(value);
  if (plainSafe.test(text) && !reserved.test(text)) return text;
  return JSON.stringify(text);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isEmptyCollection(value: unknown): boolean {
  return (Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0);
}

function emit(value: unknown, indent: string, lines: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if ((isObject(item) || Array.isArray(item)) && !isEmptyCollection(item)) {
        const nested: string[] = [];
        emit(item, `${indent}  `, nested);
        lines.push(`${indent}- ${(nested[0] ?? "").trimStart()}`, ...nested.slice(1));
      } else {
        lines.push(`${indent}- ${inline(item)}`);
      }
    }
    return;
  }
  if (isObject(value)) {
    for (const key of Object.keys(value).sort()) {
      const item = value[key];
      if ((isObject(item) || Array.isArray(item)) && !isEmptyCollection(item)) {
        lines.push(`${indent}${scalar(key)}:`);
        emit(item, Array.isArray(item) ? indent : `${indent}  `, lines);
      } else {
        lines.push(`${indent}${scalar(key)}: ${inline(item)}`);
      }
    }
    return;
  }
  lines.push(`${indent}${scalar(value)}`);
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return "[]";
  if (isObject(value)) return "{}";
  return scalar(value);
}

export function toYaml(value: unknown): string {
  const lines: string[] = [];
  emit(value, "", lines);
  return lines.join("\n");
}
