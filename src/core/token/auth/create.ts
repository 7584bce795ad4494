/**
 * auth/token/create, create-orphan and create/:role (Vault's
 * handleCreateCommon): checks in Vault's order and with its messages, then
 * the token and its lease in one transaction. Batch tokens are refused with
 * a clear 400: Coffer issues service tokens only.
 */
import type { FieldData } from "../../../framework/index.js";
import { invalidRequest, newUuid, parseDurationSeconds } from "../../../lib/index.js";
import type { Request, Response } from "../../../logical/index.js";
import { calculateTtl, countTokenCreation } from "../../expiration/index.js";
import { globMatch, resolveTokenPolicies } from "../policies.js";
import type { TokenRole } from "../roles.js";
import { sanitizeDisplayName, type TokenEntry } from "../token-entry.js";
import { TokenStore } from "../token-store.js";
import { type TokenBackendDeps, tokenMountPath } from "./deps.js";

export const createFields = {
  display_name: { type: "string", description: "Name to associate with this token." },
  explicit_max_ttl: { type: "string", description: "Explicit Max TTL of this token." },
  entity_alias: { type: "string", description: "Name of the entity alias to associate with this token." },
  num_uses: { type: "int", description: "Max number of uses for this token." },
  period: { type: "string", description: "Renew period." },
  renewable: {
    type: "bool",
    description: "Allow token to be renewed past its initial TTL up to system/mount maximum TTL.",
    default: true,
  },
  ttl: { type: "string", description: "Time to live for this token." },
  lease: { type: "string", description: "Use 'ttl' instead.", deprecated: true },
  type: { type: "string", description: "Token type (only `service` is supported)." },
  no_default_policy: { type: "bool", description: "Do not include default policy for this token." },
  id: { type: "string", description: "Value for the token (root or sudo only)." },
  meta: { type: "kv-pairs", description: "Arbitrary key=value metadata to associate with the token." },
  no_parent: { type: "bool", description: "Create the token with no parent (root or sudo only)." },
  policies: { type: "comma-string-slice", description: "List of policies for the token." },
} as const;

export const createWithRoleFields = {
  ...createFields,
  role_name: { type: "string", description: "Name of the role." },
} as const;

type CreateData = FieldData<typeof createFields>;

export interface CreateOptions {
  /** create-orphan: the token has no parent (no sudo needed; the ACL on the path decides). */
  readonly orphan: boolean;
  readonly role?: TokenRole;
}

function parseDuration(raw: string, field: string): number {
  const seconds = parseDurationSeconds(raw);
  if (seconds < 0) throw invalidRequest(`${field} must be positive`);
  return seconds;
}

/** Vault's checks on a custom token id. */
function checkCustomId(id: string): void {
  if (id.startsWith("hvs.")) throw invalidRequest("custom token ID cannot have the 'hvs.' prefix");
  if (id.startsWith("s.")) throw invalidRequest("custom token ID cannot have the 's.' prefix");
  if (id.includes(".")) throw invalidRequest("custom token ID cannot have a '.' in the value");
}

/** Role token_type + request `type` -> the type to issue; only service tokens are issued. */
function checkTokenType(data: CreateData, role: TokenRole | undefined): void {
  let requested = data.get("type");
  if (role) {
    if (role.tokenType === "default-batch" && requested === "") requested = "batch";
    if (role.tokenType === "service" || role.tokenType === "batch") requested = role.tokenType;
  }
  if (requested === "" || requested === "service") return;
  if (requested !== "batch") throw invalidRequest("invalid 'token_type' value");
  for (const field of ["explicit_max_ttl", "period"] as const) {
    const raw = data.get(field);
    if (raw !== "" && parseDurationSeconds(raw) !== 0) throw invalidRequest(`batch tokens cannot have "${field}" set`);
  }
  if (data.get("num_uses") !== 0) throw invalidRequest('batch tokens cannot have "num_uses" set');
  throw invalidRequest("batch tokens are not supported by Coffer; create a service token (type=service)");
}

interface Lifetimes {
  ttlSeconds: number;
  explicitMaxTtlSeconds: number;
  periodSeconds: number;
  /** The values used for the TTL (role values merged in). */
  explicitMaxToUse: number;
  periodToUse: number;
}

/** Vault's parseAndMergeTTLPeriod. */
function parseLifetimes(data: CreateData, role: TokenRole | undefined, isSudo: boolean, warnings: string[]): Lifetimes {
  const explicitMax =
    data.get("explicit_max_ttl") === "" ? 0 : parseDuration(data.get("explicit_max_ttl"), "explicit_max_ttl");
  let period = 0;
  if (data.get("period") !== "") {
    period = parseDuration(data.get("period"), "period");
    if (period > 0 && !isSudo) throw invalidRequest("root or sudo privileges required to create periodic token");
  }
  let ttl = 0;
  if (data.get("ttl") !== "") ttl = parseDuration(data.get("ttl"), "ttl");
  else if (data.get("lease") !== "") ttl = parseDuration(data.get("lease"), "lease");
  let explicitMaxToUse = explicitMax;
  let periodToUse = period;
  if (role && role.tokenExplicitMaxTtlSeconds !== 0) {
    if (explicitMaxToUse === 0) explicitMaxToUse = role.tokenExplicitMaxTtlSeconds;
    else {
      explicitMaxToUse = Math.min(explicitMaxToUse, role.tokenExplicitMaxTtlSeconds);
      warnings.push(
        `Explicit max TTL specified both during creation call and in role; using the lesser value of ${explicitMaxToUse} seconds`,
      );
    }
  }
  if (role && role.tokenPeriodSeconds !== 0) {
    if (periodToUse === 0) periodToUse = role.tokenPeriodSeconds;
    else {
      periodToUse = Math.min(periodToUse, role.tokenPeriodSeconds);
      warnings.push(
        `Period specified both during creation call and in role; using the lesser value of ${periodToUse} seconds`,
      );
    }
  }
  return { ttlSeconds: ttl, explicitMaxTtlSeconds: explicitMax, periodSeconds: period, explicitMaxToUse, periodToUse };
}

function mergeNumUses(requested: number, role: TokenRole | undefined): number {
  if (!role || role.tokenNumUses === 0) return requested;
  if (requested === 0) return role.tokenNumUses;
  return Math.min(requested, role.tokenNumUses);
}

export async function createToken(
  deps: TokenBackendDeps,
  request: Request,
  data: CreateData,
  options: CreateOptions,
): Promise<Response> {
  const warnings: string[] = [];
  const parent = (await deps.tokens.lookup(request.clientToken))?.entry;
  if (!parent) throw invalidRequest("parent token lookup failed: no parent found");
  // A limited-use token could escape its count through children.
  if (parent.numUses > 0) throw invalidRequest("restricted use token cannot generate child tokens");
  const isSudo = await deps.hasSudo(parent.policies, tokenMountPath + request.path);
  const role = options.role;

  checkTokenType(data, role);
  if (data.get("num_uses") < 0) throw invalidRequest("number of uses cannot be negative");
  const entityAlias = data.get("entity_alias").toLowerCase();
  if (entityAlias !== "") {
    if (!role) throw invalidRequest("'entity_alias' is only allowed in combination with token role");
    if (!role.allowedEntityAliases.some((pattern) => globMatch(pattern, entityAlias))) {
      throw invalidRequest("invalid 'entity_alias' value");
    }
    throw invalidRequest("entity aliases are not supported by Coffer (it has no identity store)");
  }

  let path = tokenMountPath + request.path;
  let renewable = data.get("renewable");
  if (role) {
    if (!role.renewable) renewable = false;
    if (role.pathSuffix !== "") path = `${path}/${role.pathSuffix}`;
  }
  const numUses = mergeNumUses(data.get("num_uses"), role);
  const displayName = data.get("display_name") === "" ? "token" : sanitizeDisplayName(data.get("display_name"));

  const customId = data.get("id");
  if (customId !== "") {
    if (!isSudo) throw invalidRequest("root or sudo privileges required to specify token id");
    checkCustomId(customId);
  }

  const policies = resolveTokenPolicies({
    requested: data.get("policies"),
    noDefaultPolicy: data.get("no_default_policy"),
    role,
    parentPolicies: parent.policies,
    callerIsSudo: isSudo,
  });
  if (policies.includes("root") && !parent.policies.includes("root")) {
    throw invalidRequest("root tokens may not be created without parent token being root");
  }

  let orphan: boolean;
  if (role) orphan = role.orphan;
  else if (data.get("no_parent")) {
    if (!isSudo) throw invalidRequest("root or sudo privileges required to create orphan token");
    orphan = true;
  } else orphan = options.orphan;

  let boundCidrs: string[] = role && role.tokenBoundCidrs.length > 0 ? role.tokenBoundCidrs : [];
  if (!orphan && !role) boundCidrs = parent.boundCidrs;

  const lifetimes = parseLifetimes(data, role, isSudo, warnings);
  const nowMs = deps.clock.nowMs();
  let ttl = lifetimes.ttlSeconds;
  // Only a root token without TTL or period may be non-expiring.
  if (lifetimes.periodToUse > 0 || ttl > 0 || !policies.includes("root")) {
    const result = calculateTtl(
      {
        defaultLeaseTtlSeconds: deps.system.defaultLeaseTtlSeconds(),
        maxLeaseTtlSeconds: deps.system.maxLeaseTtlSeconds(),
      },
      {
        backendTtlSeconds: ttl,
        periodSeconds: lifetimes.periodToUse,
        explicitMaxTtlSeconds: lifetimes.explicitMaxToUse,
        startMs: nowMs,
      },
      nowMs,
    );
    warnings.push(...result.warnings);
    ttl = result.ttlSeconds;
  }
  if (ttl === 0 && lifetimes.explicitMaxToUse > 0) ttl = lifetimes.explicitMaxToUse;
  if (ttl === 0) {
    if (parent.ttlSeconds !== 0) throw invalidRequest("expiring root tokens cannot create non-expiring root tokens");
    renewable = false;
    boundCidrs = [];
  }

  const token = customId !== "" ? customId : TokenStore.newToken();
  const entryInput: Omit<TokenEntry, "saltedId"> = {
    accessor: TokenStore.newAccessor(),
    parentSaltedId: orphan ? "" : parent.saltedId,
    policies,
    path,
    meta: data.get("meta"),
    displayName,
    numUses,
    creationTimeMs: nowMs,
    ttlSeconds: ttl,
    explicitMaxTtlSeconds: lifetimes.explicitMaxTtlSeconds,
    periodSeconds: lifetimes.periodSeconds,
    expireTimeMs: ttl === 0 ? 0 : nowMs + ttl * 1000,
    lastRenewalTimeMs: 0,
    renewable,
    type: "service",
    cubbyholeId: newUuid(),
    entityId: orphan ? "" : parent.entityId,
    role: role?.name ?? "",
    boundCidrs,
    noIdentityPolicies: false,
    mountAccessor: request.mountAccessor,
    internalData: {},
  };
  const entry = await deps.expiration.issueToken(token, entryInput);
  countCreation(deps, request, entry);

  for (const policy of policies) {
    if (!(await deps.policyExists(policy))) warnings.push(`Policy "${policy}" does not exist`);
  }
  return {
    auth: {
      clientToken: token,
      accessor: entry.accessor,
      policies,
      tokenPolicies: policies,
      metadata: entry.meta,
      displayName,
      entityId: entry.entityId,
      tokenType: "service",
      orphan,
      numUses,
      periodSeconds: lifetimes.periodToUse,
      explicitMaxTtlSeconds: lifetimes.explicitMaxToUse,
      internalData: {},
      ttlSeconds: ttl,
      maxTtlSeconds: 0,
      renewable,
      issueTimeMs: nowMs,
    },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

function countCreation(deps: TokenBackendDeps, request: Request, entry: TokenEntry): void {
  countTokenCreation(deps.metrics, {
    authMethod: "token",
    mountPoint: request.mountPoint,
    ttlSeconds: entry.ttlSeconds,
    tokenType: entry.type,
    policies: entry.policies,
  });
}
