/**
 * Named ACL policies, stored (barrier-encrypted) at `sys/policy/<name>` as
 * Vault keeps them, parsed once and cached, and compiled per token policy
 * set. `root` is built in and never stored; `default` is written at first
 * unseal and may be edited but not deleted.
 */
import { CofferError, notFound } from "../lib/index.js";
import { getJson, putJson, type Storage } from "../logical/index.js";
import type { AccessControl } from "./access.js";
import {
  type Acl,
  assertPolicyDeletable,
  assertPolicyWritable,
  compileAcl,
  defaultPolicyName,
  defaultPolicyText,
  normalizePolicyName,
  type Policy,
  parsePolicy,
  responseWrappingPolicy,
  responseWrappingPolicyName,
  rootPolicy,
  rootPolicyName,
} from "./policy/index.js";

interface StoredPolicy {
  name: string;
  type: "acl";
  raw: string;
}

const policyPrefix = "policy/";
/** Compiled ACLs kept for this many distinct policy sets; tokens share a few sets in practice. */
const aclCacheEntriesMax = 1024;

export class PolicyStore {
  /** The system view (`sys/`): policies live at `policy/<name>` under it. */
  readonly #storage: Storage;
  readonly #parsed = new Map<string, Policy>();
  readonly #acls = new Map<string, Acl>();

  constructor(systemStorage: Storage) {
    this.#storage = systemStorage;
  }

  /** Writes the default policy if it was never written (first unseal). */
  async setupDefaults(): Promise<void> {
    if (!(await this.#storage.get(policyPrefix + defaultPolicyName))) {
      await this.#write(defaultPolicyName, defaultPolicyText);
    }
  }

  async get(rawName: string): Promise<Policy | undefined> {
    const name = normalizePolicyName(rawName);
    if (name === rootPolicyName) return rootPolicy;
    if (name === responseWrappingPolicyName) return responseWrappingPolicy;
    const cached = this.#parsed.get(name);
    if (cached) return cached;
    const stored = await getJson<StoredPolicy>(this.#storage, policyPrefix + name);
    if (!stored) return undefined;
    const policy = parsePolicy(stored.raw, { name, referenceSyntaxCheck: false });
    this.#parsed.set(name, policy);
    return policy;
  }

  /** Names of stored policies plus `root`, sorted (Vault lists root too). */
  async list(): Promise<string[]> {
    const names = (await this.#storage.list(policyPrefix)).filter((name) => !name.endsWith("/"));
    return [...new Set([...names, rootPolicyName])].sort();
  }

  /** Parses (so errors surface as 400 with line numbers), then stores. Returns warnings. */
  async set(rawName: string, text: string): Promise<string[]> {
    const name = normalizePolicyName(rawName);
    if (name === "") throw new CofferError("invalid_request", "policy name must be provided in the URL");
    assertPolicyWritable(name);
    const policy = parsePolicy(text, { name });
    await this.#write(name, text);
    const warnings = [...policy.warnings];
    if (name !== rawName) warnings.push(`policy name was converted to ${name}`);
    return warnings;
  }

  async delete(rawName: string): Promise<void> {
    const name = normalizePolicyName(rawName);
    assertPolicyDeletable(name);
    await this.#storage.delete(policyPrefix + name);
    this.invalidate(name);
  }

  /** Drops cached copies of a policy (after a write here, or a replicated write on a standby). */
  invalidate(name: string): void {
    this.#parsed.delete(name);
    this.#acls.clear();
  }

  /** The compiled ACL of a token's policies; unknown names are skipped, as in Vault. */
  async acl(policyNames: readonly string[]): Promise<Acl> {
    const key = [...policyNames].sort().join("\n");
    const cached = this.#acls.get(key);
    if (cached) return cached;
    const policies: Policy[] = [];
    for (const name of policyNames) {
      const policy = await this.get(name);
      if (policy) policies.push(policy);
    }
    const acl = compileAcl(policies);
    if (this.#acls.size >= aclCacheEntriesMax) this.#acls.clear();
    this.#acls.set(key, acl);
    return acl;
  }

  /** The pipeline's view: any Acl is an AccessControl. */
  readonly resolveAccess = async (policyNames: readonly string[]): Promise<AccessControl> => this.acl(policyNames);

  async #write(name: string, text: string): Promise<void> {
    const stored: StoredPolicy = { name, type: "acl", raw: text };
    await putJson(this.#storage, policyPrefix + name, stored);
    this.invalidate(name);
  }
}

export function missingPolicy(): CofferError {
  return notFound();
}
