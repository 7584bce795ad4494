/**
 * Printing results the way Vault's CLI does, in the three formats: `table`
 * (Key/Value columns), `json` (the response as the API returned it, Vault's
 * field order, two-space indent) and `yaml`; plus `-field` raw values.
 */
import type { CliIo } from "../io.js";
import { isJsonObject, type JsonObject, type Secret, secretForOutput } from "../secret.js";
import { table } from "./table.js";
import { goQuotedList, goValue, humanDuration, humanDurationValue, looksLikeDuration, sortedKeys } from "./values.js";
import { toYaml } from "./yaml.js";

export type OutputFormat = "table" | "json" | "yaml";

export function parseFormat(value: string): OutputFormat | undefined {
  const lower = value.toLowerCase();
  if (lower === "yml") return "yaml";
  return lower === "table" || lower === "json" || lower === "yaml" ? lower : undefined;
}

export class Ui {
  constructor(
    readonly io: CliIo,
    readonly format: OutputFormat,
  ) {}

  /** A line on stdout. */
  output(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** A line on stderr. */
  error(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** Structured data in the chosen format (`table` means Key/Value rows for objects). */
  data(value: unknown): void {
    if (this.format === "json") this.output(JSON.stringify(value ?? null, null, 2));
    else if (this.format === "yaml") this.output(toYaml(value));
    else if (isJsonObject(value)) this.keyValueTable(value);
    else if (Array.isArray(value)) this.list(value.map(goValue));
    else this.output(goValue(value));
  }

  /** Key/Value rows for an object, durations humanised; nothing for an empty object. */
  keyValueTable(data: Readonly<Record<string, unknown>>): void {
    const rows = sortedKeys(data).map((key) => {
      const value = data[key];
      return [key, goValue(looksLikeDuration(key) ? humanDurationValue(value) : value)];
    });
    if (rows.length > 0) this.output(table(["Key", "Value"], rows));
  }

  /** A `Keys` column, sorted (list output). */
  list(keys: readonly string[]): void {
    const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.output(
      table(
        ["Keys"],
        sorted.map((key) => [key]),
      ),
    );
  }

  warnings(secret: Secret | null): void {
    const warnings = secret?.warnings ?? [];
    if (warnings.length === 0) return;
    this.error("WARNING! The following warnings were returned from the server:\n");
    for (const warning of warnings) this.error(`  * ${warning}\n`);
  }

  /** A response envelope: JSON/YAML as returned, or Vault's table of lease, auth, wrap and data rows. */
  secret(secret: Secret): void {
    if (this.format !== "table") {
      this.data(secretForOutput(secret));
      return;
    }
    this.warnings(secret);
    const rows = [...leaseRows(secret), ...authRows(secret), ...wrapRows(secret), ...dataRows(secret.data)];
    if (rows.length > 0) this.output(table(["Key", "Value"], rows));
  }

  /** `-field=NAME`: the bare value, with a newline only on a terminal (Vault's PrintRawField). */
  rawField(value: unknown): void {
    let text: string;
    if (this.format === "json") text = JSON.stringify(value, null, 2);
    else if (this.format === "yaml") text = toYaml(value);
    else text = goValue(value);
    this.io.stdout.write(this.io.stdoutIsTty ? `${text}\n` : text);
  }
}

function leaseRows(secret: Secret): string[][] {
  const duration = secret.lease_duration ?? 0;
  if (duration <= 0) return [];
  if (secret.lease_id) {
    return [
      ["lease_id", secret.lease_id],
      ["lease_duration", humanDuration(duration)],
      ["lease_renewable", String(secret.renewable ?? false)],
    ];
  }
  // A lease without an id is KV's refresh hint.
  return [["refresh_interval", humanDuration(duration)]];
}

function authRows(secret: Secret): string[][] {
  const auth = secret.auth;
  if (!auth) return [];
  const duration = auth.lease_duration ?? 0;
  const rows = [
    ["token", auth.client_token ?? ""],
    ["token_accessor", auth.accessor ?? ""],
    ["token_duration", duration === 0 ? "∞" : humanDuration(duration)],
    ["token_renewable", String(auth.renewable ?? false)],
    ["token_policies", goQuotedList(auth.token_policies)],
    ["identity_policies", goQuotedList(auth.identity_policies)],
    ["policies", goQuotedList(auth.policies)],
  ];
  for (const [key, value] of Object.entries(auth.metadata ?? {})) rows.push([`token_meta_${key}`, value]);
  return rows;
}

function wrapRows(secret: Secret): string[][] {
  const wrap = secret.wrap_info;
  if (!wrap) return [];
  const rows = [
    ["wrapping_token:", wrap.token ?? ""],
    ["wrapping_accessor:", wrap.accessor ?? ""],
    ["wrapping_token_ttl:", humanDuration(wrap.ttl ?? 0)],
    ["wrapping_token_creation_time:", wrap.creation_time ?? ""],
    ["wrapping_token_creation_path:", wrap.creation_path ?? ""],
  ];
  if (wrap.wrapped_accessor) rows.push(["wrapped_accessor:", wrap.wrapped_accessor]);
  return rows;
}

function dataRows(data: JsonObject | null | undefined): string[][] {
  if (!isJsonObject(data)) return [];
  return sortedKeys(data).map((key) => {
    const value = data[key];
    return [key, goValue(looksLikeDuration(key) ? humanDurationValue(value) : value)];
  });
}

/** The value `-field=NAME` picks from a response: token and lease fields first, then data. */
export function fieldOf(secret: Secret, field: string): unknown {
  const auth = secret.auth;
  const wrap = secret.wrap_info;
  const special: Record<string, unknown> = {};
  if (auth) {
    Object.assign(special, {
      token: auth.client_token,
      token_accessor: auth.accessor,
      token_duration: auth.lease_duration,
      token_renewable: auth.renewable,
      token_policies: auth.token_policies,
      identity_policies: auth.identity_policies,
      policies: auth.policies,
    });
    for (const [key, value] of Object.entries(auth.metadata ?? {})) special[`token_meta_${key}`] = value;
  }
  if (wrap) {
    Object.assign(special, {
      wrapping_token: wrap.token,
      wrapping_accessor: wrap.accessor,
      wrapping_token_ttl: wrap.ttl,
      wrapping_token_creation_time: wrap.creation_time,
      wrapping_token_creation_path: wrap.creation_path,
      wrapped_accessor: wrap.wrapped_accessor,
    });
  }
  if ((secret.lease_duration ?? 0) > 0) {
    Object.assign(special, {
      lease_id: secret.lease_id,
      lease_duration: secret.lease_duration,
      lease_renewable: secret.renewable,
      refresh_interval: secret.lease_duration,
    });
  }
  if (special[field] !== undefined) return special[field];
  return isJsonObject(secret.data) ? secret.data[field] : undefined;
}
