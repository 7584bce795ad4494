/**
 * Metric names shared by more than one module. Vault's names where Vault has
 * one (see vault-api/core-and-cluster.md §8); `coffer_*` where Vault has none.
 */
export const metricNames = {
  coreUnsealed: "vault.core.unsealed",
  coreActive: "vault.core.active",
  handleRequest: "vault.core.handle_request",
  handleLoginRequest: "vault.core.handle_login_request",
  inFlightRequests: "vault.core.in_flight_requests",
  unseal: "vault.core.unseal",
  seal: "vault.core.seal_with_request",
  postUnseal: "vault.core.post_unseal",
  preSeal: "vault.core.pre_seal",
  stepDown: "vault.core.step_down",
  leadershipLost: "vault.core.leadership_lost",
  leadershipSetupFailed: "vault.core.leadership_setup_failed",
  mountTableEntries: "vault.core.mount_table.num_entries",
  barrierGet: "vault.barrier.get",
  barrierPut: "vault.barrier.put",
  barrierDelete: "vault.barrier.delete",
  barrierList: "vault.barrier.list",
  checkToken: "vault.core.check_token",
  tokenCreate: "vault.token.create",
  tokenLookup: "vault.token.lookup",
  tokenRevoke: "vault.token.revoke",
  tokenRevokeTree: "vault.token.revoke_tree",
  tokenCreation: "vault.token.creation",
  tokenCreateRoot: "vault.token.create_root",
  policyGet: "vault.policy.get_policy",
  policySet: "vault.policy.set_policy",
  policyDelete: "vault.policy.delete_policy",
  policyList: "vault.policy.list_policies",
  expireNumLeases: "vault.expire.num_leases",
  expireNumIrrevocableLeases: "vault.expire.num_irrevocable_leases",
  expireRevoke: "vault.expire.revoke",
  expireRevokeForce: "vault.expire.revoke-force",
  expireRevokePrefix: "vault.expire.revoke-prefix",
  expireRevokeByToken: "vault.expire.revoke-by-token",
  expireRenew: "vault.expire.renew",
  expireRenewToken: "vault.expire.renew-token",
  expireRegister: "vault.expire.register",
  expireRegisterAuth: "vault.expire.register-auth",
  expireLeaseExpiration: "vault.expire.lease_expiration",
  expireLeaseExpirationError: "vault.expire.lease_expiration.error",
  secretLeaseCreation: "vault.secret.lease.creation",
  auditLogRequest: "vault.audit.log_request",
  auditLogResponse: "vault.audit.log_response",
  auditLogRequestFailure: "vault.audit.log_request_failure",
  auditLogResponseFailure: "vault.audit.log_response_failure",
  /** Coffer's own: Vault logs these but exports no counter. */
  authFailures: "coffer.core.auth_failures",
  permissionDenials: "coffer.core.permission_denials",
  sealEvents: "coffer.core.seal_events",
} as const;

/** Vault's per-route timer: `vault.route.<op>.<mount with / as ->` e.g. `vault_route_read_secret_`. */
export function routeMetricName(operation: string, mountPath: string): string {
  return `vault.route.${operation}.${mountPath.replace(/\//g, "-")}`;
}

/** Help text of the metrics an operator alerts on; the registry uses it whoever creates the metric first. */
export const metricHelp: Readonly<Record<string, string>> = {
  [metricNames.coreUnsealed]: "1 when this node is unsealed",
  [metricNames.coreActive]: "1 when this node is the active node",
  [metricNames.handleRequest]: "time to handle a request, ms",
  [metricNames.authFailures]: "requests refused for a missing or invalid token",
  [metricNames.permissionDenials]: "requests refused by policy",
  [metricNames.sealEvents]: "times this node sealed",
  [metricNames.expireNumIrrevocableLeases]: "leases that failed revocation for good",
};

/**
 * Metrics that exist from start-up (at zero) rather than on first use, so
 * alerts and dashboards see a series before anything happens.
 */
export const eagerMetrics = {
  counters: [metricNames.authFailures, metricNames.permissionDenials, metricNames.sealEvents],
  gauges: [metricNames.coreUnsealed, metricNames.coreActive, metricNames.expireNumIrrevocableLeases],
  summaries: [metricNames.handleRequest],
} as const;
