/** Renders mount entries the way Vault's sys/mounts and sys/auth show them. */
import type { MountEntry, Mounter } from "../mounts/index.js";

export const builtinPluginVersion = "v1.15.0+builtin.coffer";

export function mountInfo(entry: MountEntry): Record<string, unknown> {
  const config: Record<string, unknown> = {
    default_lease_ttl: entry.config.defaultLeaseTtlSeconds,
    max_lease_ttl: entry.config.maxLeaseTtlSeconds,
    force_no_cache: entry.config.forceNoCache,
  };
  if (entry.config.auditNonHmacRequestKeys.length)
    config.audit_non_hmac_request_keys = entry.config.auditNonHmacRequestKeys;
  if (entry.config.auditNonHmacResponseKeys.length)
    config.audit_non_hmac_response_keys = entry.config.auditNonHmacResponseKeys;
  if (entry.config.listingVisibility) config.listing_visibility = entry.config.listingVisibility;
  if (entry.config.passthroughRequestHeaders.length)
    config.passthrough_request_headers = entry.config.passthroughRequestHeaders;
  if (entry.config.allowedResponseHeaders.length) config.allowed_response_headers = entry.config.allowedResponseHeaders;
  if (entry.table === "auth") config.token_type = entry.config.tokenType ?? "default-service";
  return {
    type: entry.type,
    description: entry.description,
    accessor: entry.accessor,
    uuid: entry.uuid,
    config,
    options: Object.keys(entry.options).length ? entry.options : null,
    local: entry.local,
    seal_wrap: entry.sealWrap,
    external_entropy_access: entry.externalEntropyAccess,
    plugin_version: entry.pluginVersion,
    running_plugin_version: builtinPluginVersion,
    running_sha256: "",
    deprecation_status: "supported",
  };
}

/** sys/mounts/:path/tune read: the effective values (system values filled in). */
export function tuneInfo(entry: MountEntry, mounter: Mounter): Record<string, unknown> {
  const ttls = mounter.effectiveTtls(entry);
  const info: Record<string, unknown> = {
    description: entry.description,
    default_lease_ttl: ttls.defaultLeaseTtlSeconds,
    max_lease_ttl: ttls.maxLeaseTtlSeconds,
    force_no_cache: entry.config.forceNoCache,
  };
  if (entry.config.auditNonHmacRequestKeys.length)
    info.audit_non_hmac_request_keys = entry.config.auditNonHmacRequestKeys;
  if (entry.config.auditNonHmacResponseKeys.length)
    info.audit_non_hmac_response_keys = entry.config.auditNonHmacResponseKeys;
  if (entry.config.listingVisibility) info.listing_visibility = entry.config.listingVisibility;
  if (entry.config.passthroughRequestHeaders.length)
    info.passthrough_request_headers = entry.config.passthroughRequestHeaders;
  if (entry.config.allowedResponseHeaders.length) info.allowed_response_headers = entry.config.allowedResponseHeaders;
  if (entry.table === "auth") info.token_type = entry.config.tokenType ?? "default-service";
  if (Object.keys(entry.options).length) info.options = entry.options;
  if (entry.pluginVersion) info.plugin_version = entry.pluginVersion;
  return info;
}
