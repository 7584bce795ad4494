/**
 * Policy names and the rules about which policies may be written, deleted or
 * assigned to tokens (Vault's policy store and sys/policy handlers).
 */
import { invalidRequest } from "../../lib/index.js";

export const rootPolicyName = "root";
export const defaultPolicyName = "default";
export const responseWrappingPolicyName = "response-wrapping";
export const controlGroupPolicyName = "control-group";

/** Built in and never writable or deletable. */
export const immutablePolicyNames: readonly string[] = Object.freeze([
  rootPolicyName,
  responseWrappingPolicyName,
  controlGroupPolicyName,
]);

/** Used internally only: never listed, never given to a token on request. */
export const nonAssignablePolicyNames: readonly string[] = Object.freeze([
  responseWrappingPolicyName,
  controlGroupPolicyName,
]);

/** Vault's sanitizeName: trimmed and lowercased. */
export function normalizePolicyName(name: string): string {
  return name.trim().toLowerCase();
}

/** Throws the 400 Vault answers when a write targets a built-in policy (`cannot update "root" policy`). */
export function assertPolicyWritable(name: string): void {
  const normalized = normalizePolicyName(name);
  if (normalized === "") throw invalidRequest("policy name missing");
  if (immutablePolicyNames.includes(normalized)) {
    throw invalidRequest(`cannot update ${JSON.stringify(normalized)} policy`);
  }
}

/** Throws Vault's 400 for deleting a built-in (`cannot delete "root" policy`) or the default policy. */
export function assertPolicyDeletable(name: string): void {
  const normalized = normalizePolicyName(name);
  if (immutablePolicyNames.includes(normalized)) {
    throw invalidRequest(`cannot delete ${JSON.stringify(normalized)} policy`);
  }
  if (normalized === defaultPolicyName) throw invalidRequest("cannot delete default policy");
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The `policy` body parameter may be base64 (Vault tries StdEncoding first
 * and keeps the text when that fails). Line breaks inside base64 are ignored,
 * as Go's decoder does.
 */
export function decodePolicyText(text: string): string {
  const compact = text.replace(/[\r\n]/g, "");
  if (compact.length === 0 || compact.length % 4 !== 0 || !base64Pattern.test(compact)) return text;
  return Buffer.from(compact, "base64").toString("utf8");
}
