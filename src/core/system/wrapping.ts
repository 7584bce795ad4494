/** sys/wrapping/wrap, unwrap, lookup (unauthenticated) and rewrap. */
import { definePath, type Path } from "../../framework/index.js";
import { invalidRequest } from "../../lib/index.js";
import type { SystemContext } from "./context.js";

const tokenField = { token: { type: "string", description: "The wrapping token." } } as const;

export function wrappingPaths(context: SystemContext): Path[] {
  return [
    definePath({
      pattern: "wrapping/wrap",
      takesArbitraryInput: true,
      operations: {
        update: async (request) => {
          if (request.wrapTtlSeconds === undefined || request.wrapTtlSeconds === 0) {
            throw invalidRequest("endpoint requires response wrapping to be used");
          }
          return { data: { ...request.data } };
        },
      },
      helpSynopsis: "Response-wraps an arbitrary JSON object.",
    }),
    definePath({
      pattern: "wrapping/unwrap",
      fields: tokenField,
      operations: { update: async (request) => context.wrapping.unwrap(request) },
      helpSynopsis: "Unwraps a response-wrapped token.",
    }),
    definePath({
      pattern: "wrapping/lookup",
      fields: tokenField,
      operations: {
        read: async (request) => context.wrapping.lookup(request),
        update: async (request) => context.wrapping.lookup(request),
      },
      helpSynopsis: "Looks up the properties of a response-wrapped token.",
    }),
    definePath({
      pattern: "wrapping/rewrap",
      fields: tokenField,
      operations: { update: async (request) => context.wrapping.rewrap(request) },
      helpSynopsis: "Rotates a response-wrapped token.",
    }),
  ];
}
