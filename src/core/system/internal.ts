/** sys/internal/specs/openapi and sys/internal/ui/mounts (what UIs and `vault kv` use to discover mounts). */
import {
  asOpenApiDocument,
  definePath,
  mergeOpenApiDocuments,
  type OpenApiDocument,
  type Path,
} from "../../framework/index.js";
import { CofferError } from "../../lib/index.js";
import type { Request, Response } from "../../logical/index.js";
import { type MountEntry, routePath } from "../mounts/index.js";
import type { RouteEntry } from "../router.js";
import type { SystemContext } from "./context.js";
import { mountInfo } from "./mount-info.js";

async function openApiOf(route: RouteEntry, request: Request): Promise<OpenApiDocument | undefined> {
  const help = await route.backend.help({ ...request, operation: "help", path: "", storage: route.storage });
  return asOpenApiDocument(help.data?.openapi);
}

/** Mount info as sys/internal/ui/mounts shows it: mountInfo plus `path`. */
function uiMountInfo(entry: MountEntry): Record<string, unknown> {
  return { ...mountInfo(entry), path: entry.path };
}

export function internalPaths(context: SystemContext, version: string): Path[] {
  /** Vault's hasMountAccess: the caller's policies grant something at or under the mount. */
  const canSee = async (request: Request, mountPath: string): Promise<boolean> => {
    const policies = context.callerPolicies(request);
    if (policies.length === 0) return false;
    return (await context.policies.acl(policies)).hasMountAccess(mountPath);
  };

  const openapi = definePath({
    pattern: "internal/specs/openapi",
    fields: { generic_mount_paths: { type: "bool", description: "Use generic mount paths.", query: true } },
    operations: {
      read: async (request): Promise<Response> => {
        const parts: Array<{ mountPath: string; document: OpenApiDocument }> = [];
        for (const route of context.router.routes()) {
          const document = await openApiOf(route, request);
          if (document) parts.push({ mountPath: route.routePath, document });
        }
        const merged = mergeOpenApiDocuments(
          parts.sort((a, b) => a.mountPath.localeCompare(b.mountPath)),
          version,
        );
        // Vault answers this path with the bare document, not inside the envelope.
        return { raw: { statusCode: 200, contentType: "application/json", body: Buffer.from(JSON.stringify(merged)) } };
      },
    },
    helpSynopsis: "Generate an OpenAPI 3 document of all mounted paths.",
  });

  const uiMounts = definePath({
    pattern: "internal/ui/mounts",
    operations: {
      read: async (request) => {
        const authenticated = context.callerPolicies(request).length > 0;
        const secret: Record<string, unknown> = {};
        const auth: Record<string, unknown> = {};
        for (const [table, target] of [
          ["mounts", secret],
          ["auth", auth],
        ] as const) {
          for (const entry of context.mounter.tables[table].entries()) {
            const visible =
              entry.config.listingVisibility === "unauth" ||
              (authenticated && (await canSee(request, routePath(entry))));
            if (visible) target[entry.path] = uiMountInfo(entry);
          }
        }
        return { data: { secret, auth } };
      },
    },
    helpSynopsis: "Lists the mounts a caller may see (for UIs).",
  });

  const uiMount = definePath({
    pattern: "internal/ui/mounts/(?<path>.+)",
    fields: { path: { type: "string", description: "A path inside the mount." } },
    operations: {
      read: async (request, data) => {
        const path = data.get("path");
        const match = context.router.match(path.endsWith("/") ? path : `${path}/`) ?? context.router.match(path);
        if (!match || match.entry.mount.type === "system") {
          throw new CofferError("invalid_request", `no mount found at path "${path}"`);
        }
        const mountPath = match.entry.routePath;
        if (match.entry.mount.config.listingVisibility !== "unauth" && !(await canSee(request, mountPath))) {
          throw new CofferError(
            "permission_denied",
            `preflight capability check returned 403, please ensure client's policies grant access to path "${path}"`,
          );
        }
        return { data: uiMountInfo(match.entry.mount) };
      },
    },
    helpSynopsis: "Information about the mount a path lives in (used by `vault kv`).",
  });

  return [openapi, uiMounts, uiMount];
}
