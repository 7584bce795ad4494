/**
 * How Vault's CLI turns JSON values into table cells: Go's `%v` formatting
 * (`[a b]`, `map[k:v]`, `<nil>`) and durations in seconds shown as "768h".
 */

/** Go's `%v` of a JSON-decoded value. */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(goValue).join(" ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([key, entry]) => `${key}:${goValue(entry)}`).join(" ")}]`;
  }
  return String(value);
}

/** Go's `%q` of a string slice: `["a" "b"]`. */
export function goQuotedList(values: readonly string[] | null | undefined): string {
  return `[${(values ?? []).map((value) => JSON.stringify(value)).join(" ")}]`;
}

/** Go's time.Duration String() for whole seconds. */
function goDurationText(totalSeconds: number): string {
  const sign = totalSeconds < 0 ? "-" : "";
  let rest = Math.abs(totalSeconds);
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** Seconds as Vault prints a TTL: "768h", "1m30s", "1h1s", "0s". */
export function humanDuration(totalSeconds: number): string {
  if (totalSeconds === 0) return "0s";
  let text = goDurationText(totalSeconds);
  if (text.endsWith("m0s")) text = text.slice(0, -2);
  const index = text.indexOf("h0m");
  if (index > 0) text = text.slice(0, index + 1) + text.slice(index + 3);
  return text;
}

/** Integers become durations; anything else is left alone (Vault's humanDurationInt). */
export function humanDurationValue(value: unknown): unknown {
  if (typeof value === "number" && Number.isSafeInteger(value)) return humanDuration(value);
  return value;
}

/** Field names Vault shows as durations. */
export function looksLikeDuration(key: string): boolean {
  return (
    key === "period" ||
    key.endsWith("_period") ||
    key === "ttl" ||
    key.endsWith("_ttl") ||
    key === "duration" ||
    key.endsWith("_duration") ||
    key === "lease_max" ||
    key === "ttl_max"
  );
}

export function sortedKeys(object: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(object).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
