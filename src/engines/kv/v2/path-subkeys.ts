/** `subkeys/<key>`: the structure of a version's data with every value replaced by null. */
import { definePath, matchAllRegex, type Path } from "../../../framework/index.js";
import { invalidRequest } from "../../../lib/index.js";
import { type KvV2Context, nowMs } from "./context.js";
import { isGone, stripValues, versionView } from "./model.js";
import { readMetadata, readVersionData } from "./store.js";

/** Deepest level walked; deeper objects read as null leaves (Vault's maxSubkeysDepth). */
export const subkeysDepthMax = 100;

export function subkeysPath(context: KvV2Context): Path {
  return definePath({
    pattern: `subkeys/${matchAllRegex("path")}`,
    fields: {
      path: { type: "string", description: "Location of the secret." },
      version: {
        type: "int",
        description: "Specifies which version to retrieve. If not provided, the current version will be used.",
        query: true,
      },
      depth: {
        type: "int",
        description:
          "Specifies the deepest nesting level to provide in the output. The default value 0 will not impose any limit (beyond 100 levels).",
        query: true,
      },
    },
    display: { operationPrefix: "kv-v2", operationSuffix: "subkeys" },
    operations: {
      read: {
        summary: "Read the structure of a secret entry from the Key-Value store with the values removed.",
        handler: async (request, data) => {
          const depth = data.get("depth");
          if (depth < 0) throw invalidRequest("depth cannot be negative");
          const key = data.get("path");
          const metadata = await readMetadata(request.storage, key);
          if (metadata === undefined) return undefined;
          const requested = data.get("version");
          const version = requested > 0 ? requested : metadata.currentVersion;
          const entry = metadata.versions[String(version)];
          if (entry === undefined) return undefined;
          const body = { subkeys: null as Record<string, unknown> | null, metadata: versionView(metadata, version) };
          if (isGone(entry, nowMs(context))) return { statusCode: 404, data: body };
          const secret = await readVersionData(request.storage, key, version);
          body.subkeys = stripValues(secret, depth === 0 ? subkeysDepthMax : Math.min(depth, subkeysDepthMax));
          return { data: body };
        },
      },
    },
    helpSynopsis: "Read the structure of a secret entry from the Key-Value store with the values removed.",
    helpDescription: `
Returns the keys of a version's data (the current version unless "version" is
given) with every value replaced by null; nested objects keep their structure
down to "depth" levels.
`,
  });
}
