/** auth/token/roles (LIST) and auth/token/roles/:role_name (CRUD), Vault's tokenStoreRole* handlers. */
import { definePath, type FieldData, genericNameRegex, type Path } from "../../../framework/index.js";
import { invalidRequest } from "../../../lib/index.js";
import { listResponse, type Response } from "../../../logical/index.js";
import { validateCidrs } from "../bound-cidrs.js";
import { uniqueLowercase } from "../policies.js";
import { newTokenRole, type TokenRole, type TokenRoleType, tokenRoleTypes } from "../roles.js";
import { sanitizePolicies } from "../token-entry.js";
import type { TokenBackendDeps } from "./deps.js";

const roleFields = {
  role_name: { type: "string", description: "Name of the role." },
  allowed_policies: { type: "comma-string-slice", description: "Policies tokens of this role may have." },
  disallowed_policies: { type: "comma-string-slice", description: "Policies tokens of this role may not have." },
  allowed_policies_glob: { type: "comma-string-slice", description: "Globs of policies tokens of this role may have." },
  disallowed_policies_glob: {
    type: "comma-string-slice",
    description: "Globs of policies tokens of this role may not have.",
  },
  orphan: { type: "bool", description: "Tokens of this role are orphans." },
  renewable: { type: "bool", description: "Tokens of this role may be renewed.", default: true },
  path_suffix: { type: "string", description: "Appended to the token path (for revoke-prefix)." },
  allowed_entity_aliases: { type: "comma-string-slice", description: "Entity aliases tokens may be bound to." },
  token_bound_cidrs: { type: "comma-string-slice", description: "CIDRs tokens of this role may be used from." },
  token_explicit_max_ttl: { type: "duration", description: "Hard cap on the lifetime of tokens of this role." },
  token_period: { type: "duration", description: "Tokens of this role are periodic with this period." },
  token_type: { type: "string", description: "service, batch, default-service or default-batch." },
  token_no_default_policy: { type: "bool", description: "Do not add the default policy." },
  token_num_uses: { type: "int", description: "Uses allowed per token; 0 = unlimited." },
  period: { type: "duration", description: "Use 'token_period' instead.", deprecated: true },
  explicit_max_ttl: { type: "duration", description: "Use 'token_explicit_max_ttl' instead.", deprecated: true },
  bound_cidrs: { type: "comma-string-slice", description: "Use 'token_bound_cidrs' instead.", deprecated: true },
} as const;

type RoleData = FieldData<typeof roleFields>;

const pathSuffixPattern = /\w[\w\-.]+\w/;

export function roleReadData(role: TokenRole): Record<string, unknown> {
  const data: Record<string, unknown> = {
    period: role.periodSeconds,
    token_period: role.tokenPeriodSeconds,
    explicit_max_ttl: role.explicitMaxTtlSeconds,
    token_explicit_max_ttl: role.tokenExplicitMaxTtlSeconds,
    disallowed_policies: role.disallowedPolicies,
    allowed_policies: role.allowedPolicies,
    disallowed_policies_glob: role.disallowedPoliciesGlob,
    allowed_policies_glob: role.allowedPoliciesGlob,
    name: role.name,
    orphan: role.orphan,
    path_suffix: role.pathSuffix,
    renewable: role.renewable,
    token_type: role.tokenType,
    allowed_entity_aliases: role.allowedEntityAliases,
    token_no_default_policy: role.tokenNoDefaultPolicy,
  };
  if (role.tokenBoundCidrs.length > 0) data.token_bound_cidrs = role.tokenBoundCidrs;
  if (role.boundCidrs.length > 0) data.bound_cidrs = role.boundCidrs;
  if (role.tokenNumUses > 0) data.token_num_uses = role.tokenNumUses;
  return data;
}

function applyPolicyFields(role: TokenRole, data: RoleData): void {
  const allowed = data.getOk("allowed_policies");
  if (allowed !== undefined) role.allowedPolicies = sanitizePolicies(allowed, false);
  const disallowed = data.getOk("disallowed_policies");
  if (disallowed !== undefined) role.disallowedPolicies = uniqueLowercase(disallowed);
  const allowedGlob = data.getOk("allowed_policies_glob");
  if (allowedGlob !== undefined) role.allowedPoliciesGlob = sanitizePolicies(allowedGlob, false);
  const disallowedGlob = data.getOk("disallowed_policies_glob");
  if (disallowedGlob !== undefined) role.disallowedPoliciesGlob = uniqueLowercase(disallowedGlob);
}

function applyBasicFields(role: TokenRole, data: RoleData): void {
  if (data.has("orphan")) role.orphan = data.get("orphan");
  if (data.has("renewable")) role.renewable = data.get("renewable");
  const suffix = data.getOk("path_suffix");
  if (suffix !== undefined) {
    if (suffix !== "" && !pathSuffixPattern.test(suffix)) {
      throw invalidRequest(
        `given role path suffix contains invalid characters; must match ${pathSuffixPattern.source}`,
      );
    }
    role.pathSuffix = suffix;
  }
  if (role.pathSuffix.includes("..")) {
    throw invalidRequest("error registering path suffix: path cannot contain parent references");
  }
  const aliases = data.getOk("allowed_entity_aliases");
  if (aliases !== undefined) role.allowedEntityAliases = uniqueLowercase(aliases);
  if (data.has("token_no_default_policy")) role.tokenNoDefaultPolicy = data.get("token_no_default_policy");
  const numUses = data.getOk("token_num_uses");
  if (numUses !== undefined) {
    if (numUses < 0) throw invalidRequest("error parsing role fields: token_num_uses cannot be negative");
    role.tokenNumUses = numUses;
  }
  const tokenType = data.getOk("token_type");
  if (tokenType !== undefined) {
    if (!(tokenRoleTypes as readonly string[]).includes(tokenType)) {
      throw invalidRequest(`invalid 'token_type' value "${tokenType}"`);
    }
    role.tokenType = tokenType as TokenRoleType;
  }
}

/** token_* wins over its deprecated spelling, with Vault's warnings. */
function applyLifetimeFields(role: TokenRole, data: RoleData, warnings: string[]): void {
  const tokenPeriod = data.getOk("token_period");
  if (tokenPeriod !== undefined) {
    if (data.has("period"))
      warnings.push("Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value");
    role.tokenPeriodSeconds = tokenPeriod;
    role.periodSeconds = 0;
  } else if (data.has("period")) {
    role.periodSeconds = data.get("period");
    role.tokenPeriodSeconds = role.periodSeconds;
  }
  const tokenCidrs = data.getOk("token_bound_cidrs");
  if (tokenCidrs !== undefined) {
    if (data.has("bound_cidrs")) {
      warnings.push(
        "Both 'token_bound_cidrs' and deprecated 'bound_cidrs' value supplied, ignoring the deprecated value",
      );
    }
    role.tokenBoundCidrs = validateCidrs(tokenCidrs);
    role.boundCidrs = [];
  } else if (data.has("bound_cidrs")) {
    role.boundCidrs = validateCidrs(data.get("bound_cidrs"));
    role.tokenBoundCidrs = role.boundCidrs;
  }
  const tokenExplicitMax = data.getOk("token_explicit_max_ttl");
  if (tokenExplicitMax !== undefined) {
    if (data.has("explicit_max_ttl")) {
      warnings.push(
        "Both 'token_explicit_max_ttl' and deprecated 'explicit_max_ttl' value supplied, ignoring the deprecated value",
      );
    }
    role.tokenExplicitMaxTtlSeconds = tokenExplicitMax;
    role.explicitMaxTtlSeconds = 0;
  } else if (data.has("explicit_max_ttl")) {
    role.explicitMaxTtlSeconds = data.get("explicit_max_ttl");
    role.tokenExplicitMaxTtlSeconds = role.explicitMaxTtlSeconds;
  }
}

function checkBatchRole(role: TokenRole): void {
  if (role.tokenType !== "batch") return;
  if (!role.orphan)
    throw invalidRequest("'token_type' cannot be 'batch' when role is set to generate non-orphan tokens");
  if (role.tokenPeriodSeconds !== 0) {
    throw invalidRequest("'token_type' cannot be 'batch' when role is set to generate periodic tokens");
  }
  if (role.renewable)
    throw invalidRequest("'token_type' cannot be 'batch' when role is set to generate renewable tokens");
  if (role.tokenExplicitMaxTtlSeconds !== 0) {
    throw invalidRequest("'token_type' cannot be 'batch' when role is set to generate tokens with an explicit max TTL");
  }
}

async function writeRole(deps: TokenBackendDeps, data: RoleData): Promise<Response | undefined> {
  const name = data.get("role_name");
  if (name === "") throw invalidRequest("role name cannot be empty");
  const role = (await deps.roles.get(name)) ?? newTokenRole(name);
  const warnings: string[] = [];
  applyPolicyFields(role, data);
  applyBasicFields(role, data);
  applyLifetimeFields(role, data, warnings);
  const systemMax = deps.system.maxLeaseTtlSeconds();
  if (role.tokenExplicitMaxTtlSeconds !== 0 && systemMax !== 0 && role.tokenExplicitMaxTtlSeconds > systemMax) {
    warnings.push(
      `Given explicit max TTL of ${role.tokenExplicitMaxTtlSeconds} is greater than system/mount allowed value of ${systemMax} seconds; until this is fixed attempting to create tokens against this role will result in an error`,
    );
  }
  checkBatchRole(role);
  await deps.roles.put(role);
  return warnings.length > 0 ? { warnings } : undefined;
}

export function rolePaths(deps: TokenBackendDeps): Path[] {
  const list = definePath({
    pattern: "roles/?",
    operations: { list: async () => listResponse(await deps.roles.list()) },
    helpSynopsis: "This endpoint lists configured roles.",
  });

  const single = definePath({
    pattern: `roles/${genericNameRegex("role_name")}`,
    fields: roleFields,
    existenceCheck: async (_request, data) => {
      if (data.get("role_name") === "") throw invalidRequest("role name cannot be empty");
      return (await deps.roles.get(data.get("role_name"))) !== undefined;
    },
    operations: {
      read: async (_request, data) => {
        const role = await deps.roles.get(data.get("role_name"));
        return role ? { data: roleReadData(role) } : undefined;
      },
      create: async (_request, data) => writeRole(deps, data),
      update: async (_request, data) => writeRole(deps, data),
      delete: async (_request, data) => {
        await deps.roles.delete(data.get("role_name"));
        return undefined;
      },
    },
    helpSynopsis: "This endpoint allows creating, reading, and deleting roles.",
  });

  return [list, single];
}
