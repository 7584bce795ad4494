/**
 * The token auth method mounted at `auth/token/` (built in: the core makes
 * it from the token store, the role store and the expiration manager).
 */
import { definePath, FrameworkBackend, genericNameRegex, type Path } from "../../../framework/index.js";
import { internalError, invalidRequest } from "../../../lib/index.js";
import type { Request, Response } from "../../../logical/index.js";
import { createFields, createToken, createWithRoleFields } from "./create.js";
import type { TokenBackendDeps } from "./deps.js";
import { lookupPaths } from "./lookup.js";
import { renewPaths, revokePaths } from "./renew-revoke.js";
import { rolePaths } from "./roles-paths.js";
import { TidyRunner } from "./tidy.js";

const tidyStartedWarning =
  "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";

function createPaths(deps: TokenBackendDeps): Path[] {
  return [
    definePath({
      pattern: "create-orphan",
      fields: createFields,
      operations: { update: async (request, data) => createToken(deps, request, data, { orphan: true }) },
      helpSynopsis: "The token create path is used to create new orphan tokens.",
    }),
    definePath({
      pattern: `create/${genericNameRegex("role_name")}`,
      fields: createWithRoleFields,
      operations: {
        update: async (request, data) => {
          const name = data.get("role_name");
          const role = await deps.roles.get(name);
          if (!role) throw invalidRequest(`unknown role ${name}`);
          return createToken(deps, request, data, { orphan: false, role });
        },
      },
      helpSynopsis: "This token create path is used to create new tokens adhering to the given role.",
    }),
    definePath({
      pattern: "create",
      fields: createFields,
      operations: { update: async (request, data) => createToken(deps, request, data, { orphan: false }) },
      helpSynopsis: "The token create path is used to create new tokens.",
    }),
  ];
}

function tidyPath(deps: TokenBackendDeps): Path {
  const runner = new TidyRunner();
  return definePath({
    pattern: "tidy",
    operations: {
      update: async () => {
        if (!runner.start(deps)) return { warnings: ["Tidy operation already in progress."] };
        return { warnings: [tidyStartedWarning], statusCode: 202 };
      },
    },
    helpSynopsis: "This endpoint performs cleanup tasks that can be run if certain error conditions have occurred.",
  });
}

/**
 * Renewal of a token issued by the token store: the period and explicit max
 * come from its role when it has one, else from the token (Vault's authRenew).
 */
async function authRenew(deps: TokenBackendDeps, request: Request): Promise<Response> {
  const auth = request.auth;
  if (!auth) throw internalError("request auth is nil");
  const index = await deps.tokens.accessorIndex(auth.accessor);
  const entry = index ? await deps.tokens.loadSalted(index.saltedId) : undefined;
  if (!entry) throw internalError("no token entry found during lookup");
  if (entry.role === "") {
    return {
      auth: { ...auth, periodSeconds: entry.periodSeconds, explicitMaxTtlSeconds: entry.explicitMaxTtlSeconds },
    };
  }
  const role = await deps.roles.get(entry.role);
  if (!role) throw internalError(`original token role "${entry.role}" could not be found, not renewing`);
  return {
    auth: { ...auth, periodSeconds: role.tokenPeriodSeconds, explicitMaxTtlSeconds: role.tokenExplicitMaxTtlSeconds },
  };
}

export function createTokenBackend(deps: TokenBackendDeps): FrameworkBackend {
  return new FrameworkBackend({
    type: "token",
    kind: "auth",
    help: "The token credential backend is always enabled and builtin to Coffer. Client tokens are used to identify a client and to allow Coffer to associate policies and ACLs which are enforced on every request. This backend also allows for generating sub-tokens as well as revocation of tokens. The tokens are renewable if associated with a lease.",
    paths: [
      ...rolePaths(deps),
      ...createPaths(deps),
      ...lookupPaths(deps),
      ...revokePaths(deps),
      ...renewPaths(deps),
      tidyPath(deps),
    ],
    specialPaths: { root: ["revoke-orphan/*", "accessors*"] },
    authRenew: (request) => authRenew(deps, request),
  });
}
