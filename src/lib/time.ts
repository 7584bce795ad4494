/**
 * Timestamps the way Vault prints and reads them: Go's RFC3339Nano in UTC
 * ("2026-01-01T00:00:00.5Z": fraction without trailing zeros, none at all on
 * a whole second) and strict RFC 3339 input with any offset.
 */
import { CofferError } from "./errors.js";

/** Formats Unix milliseconds as Go's `time.RFC3339Nano` in UTC. */
export function formatRfc3339(timeMs: number): string {
  const iso = new Date(timeMs).toISOString();
  // toISOString always prints exactly three fraction digits: "...:05.120Z".
  const fractionStart = iso.lastIndexOf(".");
  const fraction = iso.slice(fractionStart + 1, -1).replace(/0+$/, "");
  return `${iso.slice(0, fractionStart)}${fraction === "" ? "" : `.${fraction}`}Z`;
}

const rfc3339Pattern = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 timestamp into Unix milliseconds (sub-millisecond digits
 * are truncated). Anything else, including the looser forms `Date.parse`
 * accepts, is a 400.
 */
export function parseRfc3339(text: string): number {
  const match = rfc3339Pattern.exec(text);
  const timeMs = match ? Date.parse(text.toUpperCase()) : Number.NaN;
  if (!match || Number.isNaN(timeMs)) {
    throw new CofferError("invalid_request", `parsing time "${text}" as RFC 3339: invalid timestamp`);
  }
  // Date.parse rolls "02-30" over into March; a date that does not exist is an error.
  const [, year, month, day] = match;
  const offsetMinutes = offsetMinutesOf(match[8] as string);
  const local = new Date(timeMs + offsetMinutes * 60_000);
  if (
    local.getUTCFullYear() !== Number(year) ||
    local.getUTCMonth() + 1 !== Number(month) ||
    local.getUTCDate() !== Number(day)
  ) {
    throw new CofferError("invalid_request", `parsing time "${text}": day out of range`);
  }
  return timeMs;
}

function offsetMinutesOf(zone: string): number {
  if (zone === "Z" || zone === "z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
}
