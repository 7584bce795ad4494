/**
 * Durations the way Vault accepts them (go-secure-stdlib parseutil
 * `ParseDurationSecond`): a number or a string of digits is seconds; otherwise
 * Go's duration syntax ("1h30m", "72h", "1.5h", "300ms") with a `d` (days)
 * suffix allowed as a whole unit. Results are whole seconds, truncated toward
 * zero as Vault does.
 */
import { CofferError } from "./errors.js";

const nanosecondsPerUnit: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
};

const componentPattern = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/;

function invalid(input: string): CofferError {
  return new CofferError("invalid_request", `time: invalid duration "${input}"`);
}

/** Parses a Go-style duration string into (fractional) seconds. */
function parseGoDurationSeconds(input: string): number {
  let rest = input;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest.startsWith("-")) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid(input);
  let totalNanoseconds = 0;
  while (rest.length > 0) {
    const match = componentPattern.exec(rest);
    if (!match) throw invalid(input);
    const [whole, amount, unit] = match;
    totalNanoseconds += Number(amount) * (nanosecondsPerUnit[unit as string] as number);
    rest = rest.slice((whole as string).length);
  }
  if (!Number.isFinite(totalNanoseconds)) throw invalid(input);
  return (sign * totalNanoseconds) / 1e9;
}

/**
 * Parses a duration into whole seconds. Accepts numbers (seconds), digit
 * strings ("3600"), and Go durations ("1h30m", "2d"). The empty string is 0.
 */
export function parseDurationSeconds(input: unknown): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw invalid(String(input));
    return Math.trunc(input);
  }
  if (typeof input !== "string") throw invalid(String(input));
  const text = input.trim();
  if (text === "") return 0;
  if (/^[-+]?\d+$/.test(text)) {
    const seconds = Number(text);
    if (!Number.isSafeInteger(seconds)) throw invalid(input);
    return seconds;
  }
  return Math.trunc(parseGoDurationSeconds(text));
}

/** Like parseDurationSeconds, but keeps millisecond precision (for timeouts such as "500ms"). */
export function parseDurationMs(input: unknown): number {
  if (typeof input === "number") return parseDurationSeconds(input) * 1000;
  if (typeof input === "string" && /^[-+]?\d+$/.test(input.trim())) return parseDurationSeconds(input) * 1000;
  if (typeof input !== "string") throw invalid(String(input));
  if (input.trim() === "") return 0;
  return Math.trunc(parseGoDurationSeconds(input.trim()) * 1000);
}

/** Formats seconds the way Go prints a time.Duration ("768h0m0s", "1m30s", "0s"). */
export function formatDuration(totalSeconds: number): string {
  if (totalSeconds === 0) return "0s";
  const sign = totalSeconds < 0 ? "-" : "";
  let rest = Math.abs(Math.trunc(totalSeconds));
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}
