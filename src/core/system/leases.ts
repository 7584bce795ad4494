/**
 * sys/leases/* (lookup, renew, revoke, revoke-prefix, revoke-force, tidy,
 * count, list of irrevocable leases) and the legacy aliases sys/renew,
 * sys/revoke, sys/revoke-prefix, sys/revoke-force, with Vault's shapes.
 */
import { definePath, type Path } from "../../framework/index.js";
import { formatRfc3339, invalidRequest } from "../../lib/index.js";
import { listResponse, type Response } from "../../logical/index.js";
import { type LeaseEntry, remainingSeconds, renewRefusal } from "../expiration/index.js";
import type { SystemContext } from "./context.js";

const tidyStartedWarning =
  "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";

const leaseIdField = { lease_id: { type: "string", description: "The lease identifier." } } as const;
const urlLeaseIdField = {
  url_lease_id: { type: "string", description: "The lease identifier (in the URL)." },
} as const;
const incrementField = {
  increment: { type: "duration", description: "The desired increment in seconds to the lease." },
} as const;
const syncField = {
  sync: { type: "bool", description: "Revoke before answering (false: queue it and answer 202).", default: true },
} as const;
const prefixField = { prefix: { type: "string", description: "The lease-id prefix." } } as const;

export function leaseInfo(lease: LeaseEntry, nowMs: number): Record<string, unknown> {
  const data: Record<string, unknown> = {
    id: lease.leaseId,
    issue_time: formatRfc3339(lease.issueTimeMs),
    expire_time: lease.expireTimeMs === 0 ? null : formatRfc3339(lease.expireTimeMs),
    last_renewal: lease.lastRenewalTimeMs === 0 ? null : formatRfc3339(lease.lastRenewalTimeMs),
    renewable: renewRefusal(lease, nowMs) === undefined,
    ttl: remainingSeconds(lease.expireTimeMs, nowMs),
  };
  if (lease.revokeError) data.revoke_error = lease.revokeError;
  return data;
}

function leaseIdOf(data: { get(name: "lease_id" | "url_lease_id"): string }): string {
  const leaseId = data.get("lease_id") || data.get("url_lease_id");
  if (leaseId === "") throw invalidRequest("lease_id must be specified");
  return leaseId;
}

function renewPath(context: SystemContext, pattern: string, deprecated: boolean): Path {
  return definePath({
    pattern,
    fields: { ...leaseIdField, ...urlLeaseIdField, ...incrementField },
    operations: {
      update: async (_request, data) => context.expiration.renewSecret(leaseIdOf(data), data.get("increment")),
    },
    deprecated,
    helpSynopsis: "Renews a lease, requesting to extend the lease.",
  });
}

function revokePath(context: SystemContext, pattern: string, deprecated: boolean): Path {
  return definePath({
    pattern,
    fields: { ...leaseIdField, ...urlLeaseIdField, ...syncField },
    operations: {
      update: async (_request, data): Promise<Response | undefined> => {
        const leaseId = leaseIdOf(data);
        if (!data.get("sync")) {
          await context.expiration.revokeLazy(leaseId);
          return { statusCode: 202 };
        }
        await context.expiration.revoke(leaseId);
        return undefined;
      },
    },
    deprecated,
    helpSynopsis: "Revokes a lease immediately.",
  });
}

function revokePrefixPath(context: SystemContext, pattern: string, force: boolean, deprecated: boolean): Path {
  return definePath({
    pattern,
    fields: { ...prefixField, ...syncField },
    operations: {
      update: async (_request, data): Promise<Response | undefined> => {
        // revoke-force always works synchronously.
        const sync = force || data.get("sync");
        await context.expiration.revokePrefix(data.get("prefix"), { sync, force });
        return sync ? undefined : { statusCode: 202 };
      },
    },
    deprecated,
    helpSynopsis: force
      ? "Revokes all secrets or tokens generated under a given prefix immediately, ignoring backend errors."
      : "Revokes all secrets (via a lease ID prefix) or tokens (via the tokens' path property) generated under a given prefix immediately.",
  });
}

function lookupPaths(context: SystemContext): Path[] {
  const lookup = definePath({
    pattern: "leases/lookup",
    fields: leaseIdField,
    operations: {
      update: async (_request, data) => {
        const leaseId = data.get("lease_id");
        if (leaseId === "") throw invalidRequest("lease_id must be specified");
        const lease = await context.expiration.lookup(leaseId);
        if (!lease) throw invalidRequest("invalid lease");
        return { data: leaseInfo(lease, context.clock.nowMs()) };
      },
    },
    helpSynopsis: "View or list lease metadata.",
  });
  const list = definePath({
    pattern: "leases/lookup/(?<prefix>.*)",
    fields: prefixField,
    operations: {
      list: async (_request, data) => {
        let prefix = data.get("prefix");
        if (prefix !== "" && !prefix.endsWith("/")) prefix = `${prefix}/`;
        return listResponse(await context.expiration.list(prefix));
      },
    },
    helpSynopsis: "View or list lease metadata.",
  });
  return [lookup, list];
}

function irrevocablePaths(context: SystemContext): Path[] {
  const typeField = {
    type: { type: "string", description: "Type of leases to get counts for (only `irrevocable`).", query: true },
    include_child_namespaces: {
      type: "bool",
      description: "Set true if the response should include child namespaces.",
      query: true,
    },
    limit: { type: "string", description: "Maximum number of leases to list (`none` for all).", query: true },
  } as const;
  const checkType = (type: string): void => {
    if (type !== "irrevocable") throw invalidRequest(`invalid type ${JSON.stringify(type)}`);
  };
  return [
    definePath({
      pattern: "leases/count",
      fields: typeField,
      operations: {
        read: async (_request, data) => {
          checkType(data.get("type"));
          return { data: { lease_count: context.expiration.irrevocableCount, counts: {} } };
        },
      },
      helpSynopsis: "Count of leases associated with this Vault cluster.",
    }),
    definePath({
      pattern: "leases",
      fields: typeField,
      operations: {
        read: async (_request, data) => {
          checkType(data.get("type"));
          const nowMs = context.clock.nowMs();
          const leases = (await context.expiration.irrevocableLeases()).map((lease) => ({
            lease_id: lease.leaseId,
            error: lease.revokeError ?? "",
            expire_time: formatRfc3339(lease.expireTimeMs === 0 ? nowMs : lease.expireTimeMs),
          }));
          return { data: { lease_count: leases.length, leases } };
        },
      },
      helpSynopsis: "List leases associated with this Vault cluster.",
    }),
  ];
}

export function leasePaths(context: SystemContext): Path[] {
  return [
    ...lookupPaths(context),
    renewPath(context, "leases/renew(?:/(?<url_lease_id>.+))?", false),
    renewPath(context, "renew(?:/(?<url_lease_id>.+))?", true),
    revokePath(context, "leases/revoke(?:/(?<url_lease_id>.+))?", false),
    revokePath(context, "revoke(?:/(?<url_lease_id>.+))?", true),
    revokePrefixPath(context, "leases/revoke-prefix/(?<prefix>.+)", false, false),
    revokePrefixPath(context, "revoke-prefix/(?<prefix>.+)", false, true),
    revokePrefixPath(context, "leases/revoke-force/(?<prefix>.+)", true, false),
    revokePrefixPath(context, "revoke-force/(?<prefix>.+)", true, true),
    definePath({
      pattern: "leases/tidy",
      operations: {
        update: async () => {
          context.expiration
            .tidy()
            .catch((error: unknown) => context.logger.error({ err: error }, "failed to tidy leases"));
          return { warnings: [tidyStartedWarning], statusCode: 202 };
        },
      },
      helpSynopsis: "This endpoint performs cleanup tasks that can be run if certain error conditions have occurred.",
    }),
    ...irrevocablePaths(context),
  ];
}
