/** auth/token/lookup, lookup-self, lookup-accessor and LIST accessors (Vault's handleLookup shape). */
import { definePath, type Path } from "../../../framework/index.js";
import { CofferError, formatRfc3339, invalidRequest } from "../../../lib/index.js";
import { listResponse, type Response } from "../../../logical/index.js";
import { metricNames } from "../../../metrics/index.js";
import { remainingSeconds, renewRefusal } from "../../expiration/index.js";
import type { TokenEntry } from "../token-entry.js";
import type { TokenBackendDeps } from "./deps.js";

/** The lookup data of a token; `id` is what the caller sent ("" for lookup-accessor). */
export async function lookupData(
  deps: TokenBackendDeps,
  entry: TokenEntry,
  id: string,
): Promise<Record<string, unknown>> {
  const nowMs = deps.clock.nowMs();
  const lease = await deps.expiration.tokenLease(entry);
  const expireTimeMs = lease?.expireTimeMs ?? entry.expireTimeMs;
  const lastRenewalMs = lease?.lastRenewalTimeMs ?? entry.lastRenewalTimeMs;
  const data: Record<string, unknown> = {
    id,
    accessor: entry.accessor,
    policies: entry.policies,
    path: entry.path,
    meta: Object.keys(entry.meta).length > 0 ? entry.meta : null,
    display_name: entry.displayName,
    num_uses: entry.numUses,
    orphan: entry.parentSaltedId === "",
    creation_time: Math.floor(entry.creationTimeMs / 1000),
    creation_ttl: entry.ttlSeconds,
    expire_time: expireTimeMs === 0 ? null : formatRfc3339(expireTimeMs),
    ttl: remainingSeconds(expireTimeMs, nowMs),
    explicit_max_ttl: entry.explicitMaxTtlSeconds,
    entity_id: entry.entityId,
    type: entry.type,
    issue_time: formatRfc3339(lease?.issueTimeMs ?? entry.creationTimeMs),
    renewable: lease !== undefined && renewRefusal(lease, nowMs) === undefined,
  };
  if (entry.role !== "") data.role = entry.role;
  if (entry.periodSeconds !== 0) data.period = entry.periodSeconds;
  if (entry.boundCidrs.length > 0) data.bound_cidrs = entry.boundCidrs;
  if (lastRenewalMs !== 0) {
    data.last_renewal_time = Math.floor(lastRenewalMs / 1000);
    data.last_renewal = formatRfc3339(lastRenewalMs);
  }
  return data;
}

async function lookupToken(deps: TokenBackendDeps, token: string): Promise<Response> {
  if (token === "") throw invalidRequest("missing token ID");
  const started = performance.now();
  // Tainted: a token on its last use may still look itself up.
  const resolved = await deps.tokens.lookupTainted(token);
  deps.metrics.summary(metricNames.tokenLookup).observe(performance.now() - started);
  if (!resolved) throw new CofferError("permission_denied", "bad token");
  return { data: await lookupData(deps, resolved.entry, token) };
}

const tokenField = { token: { type: "string", description: "Token to look up." } } as const;
const accessorField = { accessor: { type: "string", description: "Accessor of the token." } } as const;

export function lookupPaths(deps: TokenBackendDeps): Path[] {
  const lookup = definePath({
    pattern: "lookup",
    fields: tokenField,
    operations: {
      read: async (request, data) => lookupToken(deps, data.get("token") || request.clientToken),
      update: async (request, data) => lookupToken(deps, data.get("token") || request.clientToken),
    },
    helpSynopsis: "This endpoint will lookup a token and its properties.",
  });

  const lookupSelf = definePath({
    pattern: "lookup-self",
    fields: { token: { type: "string", description: "Token to look up (unused, does not need to be set)." } },
    operations: {
      read: async (request) => lookupToken(deps, request.clientToken),
      update: async (request) => lookupToken(deps, request.clientToken),
    },
    helpSynopsis: "This endpoint will lookup the calling token and its properties.",
  });

  const lookupAccessor = definePath({
    pattern: "lookup-accessor",
    fields: accessorField,
    operations: {
      update: async (_request, data) => {
        const accessor = data.get("accessor");
        if (accessor === "") throw invalidRequest("missing accessor");
        const index = await deps.tokens.accessorIndex(accessor);
        const entry = index ? await deps.tokens.lookupSalted(index.saltedId) : undefined;
        if (!entry) throw invalidRequest("invalid accessor");
        return { data: await lookupData(deps, entry, "") };
      },
    },
    helpSynopsis: "This endpoint will lookup a token associated with the given accessor and its properties.",
  });

  const accessors = definePath({
    pattern: "accessors/?",
    operations: {
      list: async () => {
        const keys: string[] = [];
        const warnings: string[] = [];
        for (const salted of await deps.tokens.listSaltedAccessors()) {
          const index = await deps.tokens.accessorIndexBySalted(salted);
          if (index?.accessor) keys.push(index.accessor);
          else warnings.push(`Found an accessor entry missing a token: ${salted}`);
        }
        return warnings.length > 0 ? { ...listResponse(keys), warnings } : listResponse(keys);
      },
    },
    helpSynopsis:
      "List token accessors, which can then be used to iterate and discover their properties or revoke them.",
  });

  return [accessors, lookup, lookupAccessor, lookupSelf];
}
