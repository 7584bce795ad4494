/**
 * The requests the expiration manager sends to the backend that issued a
 * lease: `revoke` and `renew` with `request.secret` (the framework hands them
 * to the secret type's handlers), and `renew` with `request.auth` for a
 * login token (the auth method's authRenew). Only the token store's own
 * renewals get the token string; login backends never see it (Vault's rule).
 */
import { CofferError, newUuid } from "../../lib/index.js";
import type { Auth, Operation, Request, Response } from "../../logical/index.js";
import type { RouteMatch, Router } from "../router.js";
import type { LeaseAuth, LeaseEntry } from "./lease-entry.js";

function routeOf(router: Router, path: string): RouteMatch {
  const route = router.match(path);
  if (!route) throw new CofferError("unsupported_path", `no handler for route "${path}". route entry not found.`);
  return route;
}

function coreRequest(route: RouteMatch, operation: Operation, data: Record<string, unknown>): Request {
  const mount = route.entry.mount;
  return {
    id: newUuid(),
    operation,
    path: route.relativePath,
    data,
    storage: route.entry.storage,
    clientToken: "",
    clientTokenAccessor: "",
    mountPoint: route.entry.routePath,
    mountType: mount.type,
    mountAccessor: mount.accessor,
    headers: {},
  };
}

/** Sends `revoke` for a secret lease to its backend; throws when the backend cannot revoke it. */
export async function revokeSecretViaBackend(router: Router, lease: LeaseEntry): Promise<void> {
  if (!lease.secret) return;
  const route = routeOf(router, lease.path);
  const request = coreRequest(route, "revoke", { ...lease.data });
  request.secret = { ...lease.secret, leaseId: lease.leaseId, issueTimeMs: lease.issueTimeMs };
  await route.entry.backend.handle(request);
}

/** Sends `renew` for a secret lease; the answer carries the backend's new secret options. */
export async function renewSecretViaBackend(
  router: Router,
  lease: LeaseEntry,
  incrementSeconds: number,
): Promise<{ route: RouteMatch; response: Response | undefined }> {
  const route = routeOf(router, lease.path);
  if (!lease.secret) return { route, response: undefined };
  const request = coreRequest(route, "renew", { ...lease.data });
  request.secret = { ...lease.secret, issueTimeMs: lease.issueTimeMs, incrementSeconds };
  return { route, response: await route.entry.backend.handle(request) };
}

/** The lease's auth as the `auth` of a renew request. */
export function authForRenewal(
  auth: LeaseAuth,
  clientToken: string,
  issueTimeMs: number,
  incrementSeconds: number,
  orphan: boolean,
  numUses: number,
): Auth {
  return {
    clientToken,
    accessor: auth.accessor,
    policies: auth.policies,
    tokenPolicies: auth.policies,
    metadata: auth.metadata,
    displayName: auth.displayName,
    entityId: auth.entityId,
    tokenType: auth.tokenType,
    orphan,
    numUses,
    periodSeconds: auth.periodSeconds,
    explicitMaxTtlSeconds: auth.explicitMaxTtlSeconds,
    internalData: auth.internalData,
    ttlSeconds: auth.ttlSeconds,
    maxTtlSeconds: auth.maxTtlSeconds,
    renewable: auth.renewable,
    issueTimeMs,
    incrementSeconds,
  };
}

/** Sends `renew` for a token's lease to the auth method that issued it. */
export async function renewAuthViaBackend(
  router: Router,
  lease: LeaseEntry,
  auth: Auth,
): Promise<{ route: RouteMatch; response: Response | undefined }> {
  const route = routeOf(router, lease.path);
  const request = coreRequest(route, "renew", {});
  request.auth = auth;
  return { route, response: await route.entry.backend.handle(request) };
}
