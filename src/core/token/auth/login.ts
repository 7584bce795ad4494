/**
 * Turning an auth method's login answer (`response.auth` without a client
 * token) into a real token and its lease (Vault's LoginCreateToken +
 * RegisterAuth). A login's token is an orphan; its display name is prefixed
 * with the mount path; its TTL is capped by the mount's (or the system's) max.
 */
import { internalError, invalidRequest, newUuid } from "../../../lib/index.js";
import type { Auth, Logger, Request, Response } from "../../../logical/index.js";
import type { CofferMetrics } from "../../../metrics/index.js";
import { calculateTtl, countTokenCreation, type ExpirationManager, type MountTtls } from "../../expiration/index.js";
import type { MountEntry } from "../../mounts/index.js";
import type { RouteMatch } from "../../router.js";
import { sanitizePolicies, type TokenEntry } from "../token-entry.js";
import { TokenStore } from "../token-store.js";

export interface LoginDeps {
  readonly expiration: ExpirationManager;
  readonly mountTtls: (mount: MountEntry) => MountTtls;
  readonly clock: { nowMs(): number };
  readonly metrics: CofferMetrics;
  readonly logger: Logger;
}

const nonAssignablePolicies = new Set(["response-wrapping", "control-group"]);

/** `auth/userpass/` + `alice` -> `userpass-alice` (Vault's login display names). */
export function loginDisplayName(mountPoint: string, backendName: string): string {
  const source = mountPoint.replace(/^auth\//, "").replaceAll("/", "-");
  return `${source}${backendName}`.replace(/-+$/, "");
}

function loginPolicies(auth: Auth): string[] {
  const policies = sanitizePolicies(auth.policies, auth.noDefaultPolicy !== true);
  for (const policy of policies) {
    if (policy === "root") throw invalidRequest("auth methods cannot create root tokens");
    if (nonAssignablePolicies.has(policy)) throw invalidRequest(`cannot assign policy "${policy}"`);
  }
  return policies;
}

export async function completeLogin(
  deps: LoginDeps,
  request: Request,
  route: RouteMatch,
  response: Response,
): Promise<Response> {
  const mount = route.entry.mount;
  // The token store answers with tokens it already made (and renewals carry no token to make).
  if (mount.type === "token") return response;
  const auth = response.auth as Auth;
  if (mount.table !== "auth") {
    deps.logger.error({ path: request.mountPoint + request.path }, "unexpected auth response for non-auth backend");
    throw internalError("internal error");
  }
  const tokenType = mount.config.tokenType ?? "default-service";
  if (tokenType === "batch")
    throw invalidRequest("batch tokens are not supported by Coffer; tune the mount's token_type to service");
  const policies = loginPolicies(auth);
  const nowMs = deps.clock.nowMs();
  const ttl = calculateTtl(
    deps.mountTtls(mount),
    {
      backendTtlSeconds: auth.ttlSeconds,
      periodSeconds: auth.periodSeconds,
      backendMaxTtlSeconds: auth.maxTtlSeconds,
      explicitMaxTtlSeconds: auth.explicitMaxTtlSeconds,
    },
    nowMs,
  );
  const token = TokenStore.newToken();
  const displayName = loginDisplayName(request.mountPoint, auth.displayName);
  const entryInput: Omit<TokenEntry, "saltedId"> = {
    accessor: TokenStore.newAccessor(),
    parentSaltedId: "",
    policies,
    path: request.mountPoint + request.path,
    meta: auth.metadata,
    displayName,
    numUses: auth.numUses,
    creationTimeMs: nowMs,
    ttlSeconds: ttl.ttlSeconds,
    explicitMaxTtlSeconds: auth.explicitMaxTtlSeconds,
    periodSeconds: auth.periodSeconds,
    expireTimeMs: nowMs + ttl.ttlSeconds * 1000,
    lastRenewalTimeMs: 0,
    renewable: auth.renewable,
    type: "service",
    cubbyholeId: newUuid(),
    entityId: auth.entityId,
    role: "",
    boundCidrs: auth.boundCidrs ?? [],
    noIdentityPolicies: false,
    mountAccessor: mount.accessor,
    internalData: auth.internalData,
  };
  const entry = await deps.expiration.issueToken(token, entryInput, auth.maxTtlSeconds);
  countTokenCreation(deps.metrics, {
    authMethod: mount.type,
    mountPoint: route.entry.routePath,
    ttlSeconds: ttl.ttlSeconds,
    tokenType: entry.type,
    policies,
  });
  const warnings = [...(response.warnings ?? []), ...ttl.warnings];
  return {
    ...response,
    auth: {
      ...auth,
      clientToken: token,
      accessor: entry.accessor,
      policies,
      tokenPolicies: policies,
      displayName,
      ttlSeconds: ttl.ttlSeconds,
      orphan: true,
      tokenType: "service",
      internalData: {},
      issueTimeMs: nowMs,
    },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
