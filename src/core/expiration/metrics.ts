/** Counters shared by every way a token is created (token store, logins, response wrapping). */
import { type CofferMetrics, metricNames } from "../../metrics/index.js";
import { ttlBucket } from "./ttl.js";

export interface TokenCreation {
  /** `token`, the auth method's type, or `response_wrapping`. */
  readonly authMethod: string;
  readonly mountPoint: string;
  readonly ttlSeconds: number;
  readonly tokenType: string;
  readonly policies: readonly string[];
}

/** Vault's `vault.token.creation` (and `create_root` for root tokens). */
export function countTokenCreation(metrics: CofferMetrics, creation: TokenCreation): void {
  metrics
    .counter(metricNames.tokenCreation, "tokens created", ["auth_method", "mount_point", "creation_ttl", "token_type"])
    .inc({
      auth_method: creation.authMethod,
      mount_point: creation.mountPoint,
      creation_ttl: ttlBucket(creation.ttlSeconds),
      token_type: creation.tokenType,
    });
  if (creation.policies.length === 1 && creation.policies[0] === "root") {
    metrics.counter(metricNames.tokenCreateRoot).inc();
  }
}
