/**
 * auth/token/renew, renew-self, renew-accessor, revoke, revoke-self,
 * revoke-accessor and revoke-orphan, with Vault's messages. Revoking a token
 * revokes its whole subtree and every lease issued to any of them.
 */
import { definePath, type Path } from "../../../framework/index.js";
import { invalidRequest } from "../../../lib/index.js";
import type { Response } from "../../../logical/index.js";
import { metricNames } from "../../../metrics/index.js";
import { type TokenBackendDeps, tokenMountPath } from "./deps.js";

const tokenField = { token: { type: "string", description: "Token (request body)." } } as const;
const accessorField = { accessor: { type: "string", description: "Accessor of the token (request body)." } } as const;
const incrementField = {
  increment: {
    type: "duration",
    description: "The desired increment in seconds to the token expiration.",
    default: 0,
  },
} as const;

async function renewByToken(
  deps: TokenBackendDeps,
  token: string,
  incrementSeconds: number,
): Promise<Response | undefined> {
  if (token === "") throw invalidRequest("missing token ID");
  const resolved = await deps.tokens.lookup(token);
  if (!resolved) throw invalidRequest("token not found");
  return deps.expiration.renewToken(resolved.entry, incrementSeconds, token);
}

async function revokeTree(deps: TokenBackendDeps, saltedId: string): Promise<void> {
  const started = performance.now();
  await deps.tokens.revokeTree(saltedId);
  deps.metrics.summary(metricNames.tokenRevokeTree).observe(performance.now() - started);
}

export function renewPaths(deps: TokenBackendDeps): Path[] {
  return [
    definePath({
      pattern: "renew-accessor",
      fields: { ...accessorField, ...incrementField },
      operations: {
        update: async (_request, data) => {
          const accessor = data.get("accessor");
          if (accessor === "") throw invalidRequest("missing accessor");
          const index = await deps.tokens.accessorIndex(accessor);
          if (!index) throw invalidRequest("invalid accessor");
          const entry = await deps.tokens.lookupSalted(index.saltedId);
          if (!entry) throw invalidRequest("token not found");
          // The answer never carries the token: the caller only knew the accessor.
          return deps.expiration.renewToken(entry, data.get("increment"), "");
        },
      },
      helpSynopsis: "This endpoint will renew a token associated with the given accessor and its properties.",
    }),
    definePath({
      pattern: "renew-self",
      fields: { ...tokenField, ...incrementField },
      operations: { update: async (request, data) => renewByToken(deps, request.clientToken, data.get("increment")) },
      helpSynopsis: "This endpoint will renew the token used to call it and prevent expiration.",
    }),
    definePath({
      pattern: "renew",
      fields: { ...tokenField, ...incrementField },
      operations: { update: async (_request, data) => renewByToken(deps, data.get("token"), data.get("increment")) },
      helpSynopsis: "This endpoint will renew the given token and prevent expiration.",
    }),
  ];
}

export function revokePaths(deps: TokenBackendDeps): Path[] {
  const revokeAccessor = definePath({
    pattern: "revoke-accessor",
    fields: accessorField,
    operations: {
      update: async (_request, data) => {
        const accessor = data.get("accessor");
        if (accessor === "") throw invalidRequest("missing accessor");
        const index = await deps.tokens.accessorIndex(accessor);
        if (!index) return { warnings: ["No token found with this accessor"] };
        if (!(await deps.tokens.loadSalted(index.saltedId))) throw invalidRequest("token not found");
        await revokeTree(deps, index.saltedId);
        return undefined;
      },
    },
    helpSynopsis: "This endpoint will delete the token associated with the accessor and all of its child tokens.",
  });

  const revokeSelf = definePath({
    pattern: "revoke-self",
    operations: {
      update: async (request) => {
        await revokeTree(deps, deps.tokens.saltId(request.clientToken));
        return undefined;
      },
    },
    helpSynopsis: "This endpoint will delete the token used to call it and all of its child tokens.",
  });

  const revoke = definePath({
    pattern: "revoke",
    fields: tokenField,
    operations: {
      update: async (_request, data) => {
        const token = data.get("token");
        if (token === "") throw invalidRequest("missing token ID");
        // An unknown token is not an error (204), as in Vault.
        await revokeTree(deps, deps.tokens.saltId(token));
        return undefined;
      },
    },
    helpSynopsis: "This endpoint will delete the given token and all of its child tokens.",
  });

  const revokeOrphan = definePath({
    pattern: "revoke-orphan",
    fields: tokenField,
    operations: {
      update: async (request, data) => {
        const token = data.get("token");
        if (token === "") throw invalidRequest("missing token ID");
        const caller = await deps.tokens.lookupTainted(request.clientToken);
        const sudo = caller ? await deps.hasSudo(caller.entry.policies, tokenMountPath + request.path) : false;
        if (!sudo) throw invalidRequest("root or sudo privileges required to revoke and orphan");
        const target = await deps.tokens.lookup(token);
        if (!target) throw invalidRequest("token to revoke not found");
        const started = performance.now();
        await deps.tokens.revokeOrphan(target.entry.saltedId);
        deps.metrics.summary(metricNames.tokenRevoke).observe(performance.now() - started);
        return undefined;
      },
    },
    helpSynopsis: "This endpoint will delete the token and orphan its child tokens.",
  });

  return [revokeAccessor, revokeSelf, revoke, revokeOrphan];
}
