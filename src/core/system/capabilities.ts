/** sys/capabilities, sys/capabilities-self, sys/capabilities-accessor. */
import { definePath, type Path } from "../../framework/index.js";
import { invalidRequest } from "../../lib/index.js";
import type { Response } from "../../logical/index.js";
import type { SystemContext } from "./context.js";

const pathsField = {
  paths: { type: "comma-string-slice", description: "Paths to report the capabilities on." },
  path: { type: "comma-string-slice", description: "Deprecated: use `paths`.", deprecated: true },
} as const;

async function answer(context: SystemContext, policies: readonly string[], paths: string[]): Promise<Response> {
  if (paths.length === 0) throw invalidRequest("paths must be supplied");
  const acl = await context.policies.acl(policies);
  const data: Record<string, unknown> = {};
  for (const path of paths) data[path] = acl.capabilities(path.replace(/^\/+/, ""));
  if (paths.length === 1) data.capabilities = data[paths[0] as string];
  return { data };
}

function requestedPaths(data: { get(name: "paths" | "path"): string[] }): string[] {
  const paths = data.get("paths");
  return paths.length ? paths : data.get("path");
}

export function capabilitiesPaths(context: SystemContext): Path[] {
  const forToken = definePath({
    pattern: "capabilities",
    fields: { ...pathsField, token: { type: "string", description: "The token to check." } },
    operations: {
      update: async (_request, data) => {
        const resolved = await context.tokens.lookup(data.get("token"));
        if (!resolved) throw invalidRequest("invalid token");
        return answer(context, resolved.entry.policies, requestedPaths(data));
      },
    },
    helpSynopsis: "Fetch the capabilities of a token on the given paths.",
  });

  const forAccessor = definePath({
    pattern: "capabilities-accessor",
    fields: { ...pathsField, accessor: { type: "string", description: "Accessor of the token to check." } },
    operations: {
      update: async (_request, data) => {
        const entry = await context.tokens.lookupByAccessor(data.get("accessor"));
        if (!entry) throw invalidRequest("invalid accessor");
        return answer(context, entry.policies, requestedPaths(data));
      },
    },
    helpSynopsis: "Fetch the capabilities of the token behind an accessor on the given paths.",
  });

  const forSelf = definePath({
    pattern: "capabilities-self",
    fields: pathsField,
    operations: {
      update: async (request, data) => answer(context, context.callerPolicies(request), requestedPaths(data)),
    },
    helpSynopsis: "Fetch the capabilities of the caller's token on the given paths.",
  });

  return [forToken, forAccessor, forSelf];
}
