/**
 * Renewing leases (Vault's Renew and RenewToken): ask the issuing backend,
 * then grant `calculateTtl(increment, backend TTL, period, backend max,
 * explicit max)` counted from the lease's original issue time, so a renewal
 * never outlives the mount's max TTL (periodic tokens excepted).
 */
import { invalidRequest } from "../../lib/index.js";
import type { Auth, Response } from "../../logical/index.js";
import { metricNames } from "../../metrics/index.js";
import { authFromEntry, type TokenEntry } from "../token/index.js";
import { authForRenewal, renewAuthViaBackend, renewSecretViaBackend } from "./backend-calls.js";
import type { LeaseContext } from "./context.js";
import { assertRenewable, joinLeaseId, type LeaseEntry } from "./lease-entry.js";
import { calculateTtl } from "./ttl.js";

/** A lease without its failure marks (a successful renewal clears them). */
function cleared(lease: LeaseEntry): LeaseEntry {
  const { revokeError: _error, irrevocable: _irrevocable, ...rest } = lease;
  return rest;
}

/** `sys/leases/renew`: renews a secret's lease through its backend. */
export async function renewSecret(
  context: LeaseContext,
  leaseId: string,
  incrementSeconds: number,
): Promise<Response | undefined> {
  const started = performance.now();
  return context.locked(leaseId, async () => {
    const lease = await context.store.load(leaseId);
    assertRenewable(lease, context.clock.nowMs());
    if (!lease.secret) {
      throw invalidRequest(
        lease.auth ? "tokens cannot be renewed through this endpoint" : "lease does not correspond to a secret",
      );
    }
    const { route, response } = await renewSecretViaBackend(context.router, lease, incrementSeconds);
    if (!response?.secret) return response;
    const nowMs = context.clock.nowMs();
    const ttl = calculateTtl(
      context.mountTtls(route.entry.mount),
      {
        incrementSeconds,
        backendTtlSeconds: response.secret.ttlSeconds,
        backendMaxTtlSeconds: response.secret.maxTtlSeconds,
        startMs: lease.issueTimeMs,
      },
      nowMs,
    );
    const { leaseId: _returned, ...secret } = response.secret;
    const renewed: LeaseEntry = {
      ...cleared(lease),
      ...(response.data ? { data: response.data } : {}),
      secret: { ...secret, ttlSeconds: ttl.ttlSeconds, issueTimeMs: lease.issueTimeMs },
      expireTimeMs: nowMs + ttl.ttlSeconds * 1000,
      lastRenewalTimeMs: nowMs,
    };
    await context.store.put(renewed);
    context.track(renewed);
    context.metrics.summary(metricNames.expireRenew).observe(performance.now() - started);
    const warnings = [...(response.warnings ?? []), ...ttl.warnings];
    return {
      ...response,
      secret: { ...response.secret, ttlSeconds: ttl.ttlSeconds, leaseId },
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  });
}

/**
 * Renews a token (auth/token/renew*): through the auth method that issued it
 * (the token store itself for `auth/token/...` tokens). Updates the lease
 * and the token entry's expiry in one transaction. `clientToken` is echoed
 * in the answer (renew-accessor passes "").
 */
export async function renewToken(
  context: LeaseContext,
  entry: TokenEntry,
  incrementSeconds: number,
  clientToken: string,
): Promise<Response | undefined> {
  const started = performance.now();
  const leaseId = joinLeaseId(entry.path, entry.saltedId);
  return context.locked(leaseId, async () => {
    const lease = await context.store.load(leaseId);
    if (!lease?.auth) throw invalidRequest(entry.expireTimeMs === 0 ? "lease is not renewable" : "invalid lease ID");
    assertRenewable(lease, context.clock.nowMs());
    const orphan = entry.parentSaltedId === "";
    // Only the token store itself may see the token (Vault's renewAuthEntry).
    const tokenForBackend = lease.path.startsWith("auth/token/") ? clientToken : "";
    const request = authForRenewal(
      lease.auth,
      tokenForBackend,
      lease.issueTimeMs,
      incrementSeconds,
      orphan,
      entry.numUses,
    );
    const { route, response } = await renewAuthViaBackend(context.router, lease, request);
    if (!response?.auth) return response;
    const granted = response.auth;
    const nowMs = context.clock.nowMs();
    const ttl = calculateTtl(
      context.mountTtls(route.entry.mount),
      {
        incrementSeconds,
        backendTtlSeconds: granted.ttlSeconds,
        periodSeconds: granted.periodSeconds,
        backendMaxTtlSeconds: granted.maxTtlSeconds,
        explicitMaxTtlSeconds: granted.explicitMaxTtlSeconds,
        startMs: lease.issueTimeMs,
      },
      nowMs,
    );
    const expireTimeMs = nowMs + ttl.ttlSeconds * 1000;
    const renewed: LeaseEntry = {
      ...cleared(lease),
      auth: {
        ...lease.auth,
        ttlSeconds: ttl.ttlSeconds,
        periodSeconds: granted.periodSeconds,
        explicitMaxTtlSeconds: granted.explicitMaxTtlSeconds,
        internalData: granted.internalData,
      },
      expireTimeMs,
      lastRenewalTimeMs: nowMs,
    };
    const current = await context.tokens.runLocked(entry.saltedId, async () => {
      const stored = await context.tokens.loadSalted(entry.saltedId);
      if (!stored) throw invalidRequest("token not found");
      const updated: TokenEntry = { ...stored, expireTimeMs, lastRenewalTimeMs: nowMs };
      await context.store.commit([...context.store.putOps(renewed), context.tokens.entryOp(updated)]);
      return updated;
    });
    context.track(renewed);
    context.metrics.summary(metricNames.expireRenewToken).observe(performance.now() - started);
    return {
      auth: renewedAuth(current, clientToken, ttl.ttlSeconds, granted),
      ...(ttl.warnings.length > 0 ? { warnings: ttl.warnings } : {}),
    };
  });
}

function renewedAuth(entry: TokenEntry, clientToken: string, ttlSeconds: number, granted: Auth): Auth {
  const { issueTimeMs: _issued, ...auth } = authFromEntry(clientToken, entry);
  return {
    ...auth,
    periodSeconds: granted.periodSeconds,
    explicitMaxTtlSeconds: granted.explicitMaxTtlSeconds,
    internalData: {},
    ttlSeconds,
    maxTtlSeconds: granted.maxTtlSeconds,
  };
}
