/**
 * The system backend mounted at `sys/`: Vault's sys API, split by area.
 * Sealed-safe endpoints (init, unseal, seal-status, health, leader) are not
 * here: HTTP serves them through the core facade without the pipeline.
 */
import { FrameworkBackend } from "../../framework/index.js";
import { capabilitiesPaths } from "./capabilities.js";
import type { SystemContext } from "./context.js";
import { internalPaths } from "./internal.js";
import { leasePaths } from "./leases.js";
import { lifecyclePaths } from "./lifecycle.js";
import { mountsPaths } from "./mounts.js";
import { policyPaths } from "./policies.js";
import { wrappingPaths } from "./wrapping.js";

export type { KeyringControl, LifecycleControl, SystemContext } from "./context.js";

/** Vault's sys PathsSpecial: what needs no token, and what needs sudo. */
export const systemSpecialPaths = {
  unauthenticated: [
    "wrapping/lookup",
    "wrapping/pubkey",
    "internal/specs/openapi",
    "internal/ui/mounts",
    "internal/ui/mounts/*",
    "storage/raft/bootstrap/challenge",
    "storage/raft/bootstrap/answer",
  ],
  root: [
    "auth/*",
    "remount",
    "audit",
    "audit/*",
    "raw",
    "raw/*",
    "rotate",
    "rotate/*",
    "seal",
    "step-down",
    "config/cors",
    "config/auditing/*",
    "revoke-prefix/*",
    "revoke-force/*",
    "leases/revoke-prefix/*",
    "leases/revoke-force/*",
    "leases/lookup/*",
    "leases",
    "storage/raft/snapshot",
    "storage/raft/snapshot-force",
    "storage/raft/remove-peer",
  ],
} as const;

export function createSystemBackend(
  context: SystemContext,
  version: string,
  extraPaths: FrameworkBackend["paths"] = [],
): FrameworkBackend {
  return new FrameworkBackend({
    type: "system",
    kind: "system",
    help: "The system backend is built in to Coffer and cannot be remounted or moved. It controls mounts, policies, the keyring, sealing and the cluster.",
    paths: [
      ...mountsPaths(context),
      ...policyPaths(context),
      ...capabilitiesPaths(context),
      ...lifecyclePaths(context),
      ...internalPaths(context, version),
      ...leasePaths(context),
      ...wrappingPaths(context),
      ...extraPaths,
    ],
    specialPaths: systemSpecialPaths,
    version,
  });
}
