/** sys/policy (legacy shape) and sys/policies/acl: ACL policy CRUD. */
import { definePath, type Path } from "../../framework/index.js";
import { CofferError, invalidRequest } from "../../lib/index.js";
import { listResponse } from "../../logical/index.js";
import { decodePolicyText, normalizePolicyName } from "../policy/index.js";
import type { SystemContext } from "./context.js";

const nameField = { name: { type: "string", description: "The name of the policy." } } as const;

function policyTextFrom(data: Record<string, unknown>, ...fields: string[]): string {
  for (const field of fields) {
    const value = data[field];
    if (typeof value === "string" && value.trim() !== "") return decodePolicyText(value);
  }
  throw invalidRequest("'policy' parameter not supplied or empty");
}

export function policyPaths(context: SystemContext): Path[] {
  const store = context.policies;

  const legacyList = definePath({
    pattern: "policy/?",
    operations: {
      read: async () => {
        const names = await store.list();
        return { data: { keys: names, policies: names } };
      },
      list: async () => {
        const names = await store.list();
        return { data: { keys: names, policies: names } };
      },
    },
    helpSynopsis: "List the configured access control policies.",
  });

  const legacySingle = definePath({
    pattern: "policy/(?<name>.+)",
    fields: {
      ...nameField,
      policy: { type: "string", description: "The rules of the policy (HCL or JSON, may be base64)." },
      rules: { type: "string", description: "Deprecated alias of `policy`.", deprecated: true },
    },
    operations: {
      read: async (_request, data) => {
        const policy = await store.get(data.get("name"));
        if (!policy) return undefined;
        return { data: { name: policy.name, rules: policy.raw } };
      },
      update: async (request, data) => {
        const warnings = await store.set(data.get("name"), policyTextFrom(request.data, "policy", "rules"));
        return warnings.length ? { warnings } : undefined;
      },
      delete: async (_request, data) => {
        await store.delete(data.get("name"));
        return undefined;
      },
    },
    helpSynopsis: "Read, write or delete an access control policy.",
  });

  const aclList = definePath({
    pattern: "policies/acl/?",
    operations: {
      list: async () => listResponse(await store.list()),
    },
    helpSynopsis: "List the configured access control policies.",
  });

  const aclSingle = definePath({
    pattern: "policies/acl/(?<name>.+)",
    fields: {
      ...nameField,
      policy: { type: "string", description: "The rules of the policy (HCL or JSON, may be base64)." },
    },
    operations: {
      read: async (_request, data) => {
        const policy = await store.get(data.get("name"));
        if (!policy) return undefined;
        return { data: { name: policy.name, policy: policy.raw } };
      },
      update: async (request, data) => {
        const name = normalizePolicyName(data.get("name"));
        if (name === "") throw new CofferError("invalid_request", "missing name");
        const warnings = await store.set(data.get("name"), policyTextFrom(request.data, "policy"));
        return warnings.length ? { warnings } : undefined;
      },
      delete: async (_request, data) => {
        await store.delete(data.get("name"));
        return undefined;
      },
    },
    helpSynopsis: "Read, write or delete an access control policy.",
  });

  return [legacyList, legacySingle, aclList, aclSingle];
}
