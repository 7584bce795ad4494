/**
 * The built-in policies. `default` grants the same paths and capabilities, in
 * the same order, as Vault's; the comments are ours. `root` is not text at
 * all: a token holding it may do everything, sudo included, and the ACL
 * recognises it by name.
 */
import { defaultPolicyName, responseWrappingPolicyName, rootPolicyName } from "./names.js";
import { parsePolicy } from "./parse.js";
import type { Policy } from "./types.js";

export const defaultPolicyText = `
# Read the calling token's own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Renew the calling token
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Revoke the calling token
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Ask which capabilities the calling token has on a path
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# Read the calling token's own identity entity, by id or by name
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}


# The ACL that results from all of the token's policies (used by UIs; the
# format of this internal endpoint may change)
path "sys/internal/ui/resultant-acl" {
    capabilities = ["read"]
}

# Renew a lease given its lease_id in the body (the old path and the new one)
path "sys/renew" {
    capabilities = ["update"]
}
path "sys/leases/renew" {
    capabilities = ["update"]
}

# Look up a lease's properties; the caller must already know the lease ID
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# The token's private cubbyhole
path "cubbyhole/*" {
    capabilities = ["create", "read", "update", "delete", "list"]
}

# Wrap arbitrary data in a response-wrapping token
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

# Look up the creation time and TTL of a response-wrapping token
path "sys/wrapping/lookup" {
    capabilities = ["update"]
}

# Unwrap a response-wrapping token without swapping tokens (the
# response-wrapping policy grants the same)
path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}

# Hashing tools
path "sys/tools/hash" {
    capabilities = ["update"]
}
path "sys/tools/hash/*" {
    capabilities = ["update"]
}

# Check a control group request's status, given its accessor
path "sys/control-group/request" {
    capabilities = ["update"]
}

# The authorization endpoint of identity OIDC providers
path "identity/oidc/provider/+/authorize" {
    capabilities = ["read", "update"]
}
`;

/** Given to every response-wrapping token: read its own cubbyhole response, and unwrap. */
export const responseWrappingPolicyText = `
path "cubbyhole/response" {
    capabilities = ["create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`;

export const defaultPolicy: Policy = parsePolicy(defaultPolicyText, {
  name: defaultPolicyName,
  referenceSyntaxCheck: false,
});

export const responseWrappingPolicy: Policy = parsePolicy(responseWrappingPolicyText, {
  name: responseWrappingPolicyName,
  referenceSyntaxCheck: false,
});

/** Never stored; `compileAcl([rootPolicy])` allows everything. */
export const rootPolicy: Policy = Object.freeze({
  name: rootPolicyName,
  paths: Object.freeze([]),
  raw: "",
  templated: false,
  warnings: Object.freeze([]),
});

export function isRootPolicy(policy: Policy): boolean {
  return policy.name === rootPolicyName;
}
