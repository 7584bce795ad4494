/**
 * Creating leases: for a secret a backend returned (Vault's Register), and
 * for a new token together with the token itself (Vault's create +
 * RegisterAuth, here one storage transaction).
 */
import { internalError, randomBase62 } from "../../lib/index.js";
import type { Request, Response, Secret } from "../../logical/index.js";
import { metricNames } from "../../metrics/index.js";
import type { RouteMatch } from "../router.js";
import type { TokenEntry } from "../token/index.js";
import { revokeSecretViaBackend } from "./backend-calls.js";
import type { LeaseContext } from "./context.js";
import { joinLeaseId, type LeaseAuth, type LeaseEntry } from "./lease-entry.js";
import { calculateTtl, ttlBucket } from "./ttl.js";

/** Length of the random part of a secret's lease id (Vault: base62, 24). */
const leaseRandomLength = 24;

/** KV and generic mounts report a TTL but register no lease unless `leased_passthrough` is on (Vault). */
function mountRegistersLeases(route: RouteMatch): boolean {
  const mount = route.entry.mount;
  if (mount.type !== "kv" && mount.type !== "generic") return true;
  return mount.options.leased_passthrough === "true";
}

/**
 * Gives `response.secret` a lease: the TTL capped by the mount, the entry
 * and its by-token index written in one transaction, the expiry scheduled.
 * If the lease cannot be stored the backend is asked to revoke the secret at
 * once, so nothing is handed out untracked.
 */
export async function registerSecret(
  context: LeaseContext,
  request: Request,
  route: RouteMatch,
  response: Response,
): Promise<Response> {
  const secret = response.secret as Secret;
  if (!mountRegistersLeases(route)) return { ...response, secret: { ...secret, renewable: false } };
  const started = performance.now();
  const nowMs = context.clock.nowMs();
  const ttl = calculateTtl(
    context.mountTtls(route.entry.mount),
    { backendTtlSeconds: secret.ttlSeconds, backendMaxTtlSeconds: secret.maxTtlSeconds },
    nowMs,
  );
  const path = route.entry.routePath + request.path;
  const { leaseId: _unset, ...stored } = secret;
  const lease: LeaseEntry = {
    leaseId: joinLeaseId(path, randomBase62(leaseRandomLength)),
    path,
    clientTokenSaltedId: request.clientToken === "" ? "" : context.tokens.saltId(request.clientToken),
    ...(response.data ? { data: response.data } : {}),
    secret: { ...stored, ttlSeconds: ttl.ttlSeconds, issueTimeMs: nowMs },
    issueTimeMs: nowMs,
    expireTimeMs: nowMs + ttl.ttlSeconds * 1000,
    lastRenewalTimeMs: 0,
    version: 1,
  };
  try {
    await context.store.put(lease);
  } catch (error) {
    context.logger.error({ err: error, path }, "failed to register lease; revoking the new secret");
    await revokeSecretViaBackend(context.router, lease).catch((revokeError: unknown) => {
      context.logger.error({ err: revokeError, path }, "failed to revoke a secret whose lease could not be stored");
    });
    throw internalError("internal error", { cause: error });
  }
  context.track(lease);
  context.metrics.summary(metricNames.expireRegister).observe(performance.now() - started);
  context.metrics
    .counter(metricNames.secretLeaseCreation, "leases created for secrets", [
      "secret_engine",
      "mount_point",
      "creation_ttl",
    ])
    .inc({
      secret_engine: route.entry.mount.type,
      mount_point: route.entry.routePath,
      creation_ttl: ttlBucket(ttl.ttlSeconds),
    });
  const warnings = [...(response.warnings ?? []), ...ttl.warnings];
  return {
    ...response,
    secret: { ...secret, ttlSeconds: ttl.ttlSeconds, leaseId: lease.leaseId, issueTimeMs: nowMs },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** The lease of a token, as derived from its entry. */
export function tokenLease(entry: TokenEntry, maxTtlSeconds: number): LeaseEntry {
  const auth: LeaseAuth = {
    tokenSaltedId: entry.saltedId,
    accessor: entry.accessor,
    policies: entry.policies,
    metadata: entry.meta,
    displayName: entry.displayName,
    entityId: entry.entityId,
    tokenType: entry.type,
    renewable: entry.renewable,
    ttlSeconds: entry.ttlSeconds,
    maxTtlSeconds,
    periodSeconds: entry.periodSeconds,
    explicitMaxTtlSeconds: entry.explicitMaxTtlSeconds,
    internalData: entry.internalData,
  };
  return {
    leaseId: joinLeaseId(entry.path, entry.saltedId),
    path: entry.path,
    clientTokenSaltedId: "",
    auth,
    issueTimeMs: entry.creationTimeMs,
    expireTimeMs: entry.expireTimeMs,
    lastRenewalTimeMs: 0,
    version: 1,
  };
}

/**
 * Persists a new token and, when it expires, its lease in one transaction.
 * `entry.expireTimeMs` must already be set (0 = never expires: no lease).
 * `maxTtlSeconds` is the issuing backend's cap for renewals (0 = none).
 */
export async function issueToken(
  context: LeaseContext,
  token: string,
  entry: Omit<TokenEntry, "saltedId">,
  maxTtlSeconds = 0,
): Promise<TokenEntry> {
  const started = performance.now();
  // Under the entry lock: two creates of one custom id cannot both pass the duplicate check.
  const { stored, lease } = await context.tokens.runLocked(context.tokens.saltId(token), async () => {
    const created = await context.tokens.createOps(token, entry);
    const tokenLeaseEntry = created.entry.expireTimeMs === 0 ? undefined : tokenLease(created.entry, maxTtlSeconds);
    const ops = [...created.ops, ...(tokenLeaseEntry ? context.store.putOps(tokenLeaseEntry) : [])];
    await context.store.commit(ops);
    return { stored: created.entry, lease: tokenLeaseEntry };
  });
  if (lease) context.track(lease);
  context.metrics.summary(metricNames.tokenCreate).observe(performance.now() - started);
  if (lease) context.metrics.summary(metricNames.expireRegisterAuth).observe(performance.now() - started);
  return stored;
}
