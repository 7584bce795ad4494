/**
 * Token roles (`auth/token/roles/:name`), stored in the system view at
 * `token/roles/<name>` as Vault keeps them. A role fixes what tokens created
 * against it may carry: allowed/disallowed policies (exact and glob),
 * orphan, renewable, a path suffix, and the token_* parameters.
 */
import { getJson, putJson, type Storage } from "../../logical/index.js";

export const tokenRoleTypes = ["service", "batch", "default-service", "default-batch"] as const;
export type TokenRoleType = (typeof tokenRoleTypes)[number];

export interface TokenRole {
  name: string;
  allowedPolicies: string[];
  disallowedPolicies: string[];
  allowedPoliciesGlob: string[];
  disallowedPoliciesGlob: string[];
  orphan: boolean;
  renewable: boolean;
  pathSuffix: string;
  allowedEntityAliases: string[];
  tokenBoundCidrs: string[];
  tokenExplicitMaxTtlSeconds: number;
  tokenPeriodSeconds: number;
  tokenType: TokenRoleType;
  tokenNoDefaultPolicy: boolean;
  tokenNumUses: number;
  /** Deprecated spellings, kept so a read returns what was written. */
  periodSeconds: number;
  explicitMaxTtlSeconds: number;
  boundCidrs: string[];
}

export function newTokenRole(name: string): TokenRole {
  return {
    name,
    allowedPolicies: [],
    disallowedPolicies: [],
    allowedPoliciesGlob: [],
    disallowedPoliciesGlob: [],
    orphan: false,
    renewable: true,
    pathSuffix: "",
    allowedEntityAliases: [],
    tokenBoundCidrs: [],
    tokenExplicitMaxTtlSeconds: 0,
    tokenPeriodSeconds: 0,
    tokenType: "default-service",
    tokenNoDefaultPolicy: false,
    tokenNumUses: 0,
    periodSeconds: 0,
    explicitMaxTtlSeconds: 0,
    boundCidrs: [],
  };
}

const rolesPrefix = "token/roles/";

export class TokenRoleStore {
  readonly #storage: Storage;

  constructor(systemStorage: Storage) {
    this.#storage = systemStorage;
  }

  get(name: string): Promise<TokenRole | undefined> {
    if (name === "" || name.includes("/")) return Promise.resolve(undefined);
    return getJson<TokenRole>(this.#storage, rolesPrefix + name);
  }

  async put(role: TokenRole): Promise<void> {
    await putJson(this.#storage, rolesPrefix + role.name, role);
  }

  async delete(name: string): Promise<void> {
    await this.#storage.delete(rolesPrefix + name);
  }

  async list(): Promise<string[]> {
    return (await this.#storage.list(rolesPrefix)).filter((name) => !name.endsWith("/"));
  }
}
