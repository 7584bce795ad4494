/**
 * Mount table entries: what is mounted where, persisted (barrier-encrypted)
 * at `core/mounts` for secrets engines and `core/auth` for auth methods, in
 * Vault's layout. An entry is plain JSON so a standby can reload it.
 */
import { CofferError, newAccessor, newUuid } from "../../lib/index.js";

export type MountTableKind = "mounts" | "auth";

export type ListingVisibility = "" | "unauth" | "hidden";

export interface MountConfig {
  /** 0 means "the system default". */
  defaultLeaseTtlSeconds: number;
  maxLeaseTtlSeconds: number;
  forceNoCache: boolean;
  auditNonHmacRequestKeys: string[];
  auditNonHmacResponseKeys: string[];
  listingVisibility: ListingVisibility;
  passthroughRequestHeaders: string[];
  allowedResponseHeaders: string[];
  /** Auth mounts only (`default-service`, ...). */
  tokenType?: string;
}

export interface MountEntry {
  table: MountTableKind;
  /** Path relative to its table, with a trailing `/` (`secret/`; `userpass/` for `auth/userpass/`). */
  path: string;
  type: string;
  description: string;
  uuid: string;
  accessor: string;
  config: MountConfig;
  options: Record<string, string>;
  local: boolean;
  sealWrap: boolean;
  externalEntropyAccess: boolean;
  pluginVersion: string;
}

export function defaultMountConfig(): MountConfig {
  return {
    defaultLeaseTtlSeconds: 0,
    maxLeaseTtlSeconds: 0,
    forceNoCache: false,
    auditNonHmacRequestKeys: [],
    auditNonHmacResponseKeys: [],
    listingVisibility: "",
    passthroughRequestHeaders: [],
    allowedResponseHeaders: [],
  };
}

export interface NewMountInput {
  table: MountTableKind;
  path: string;
  type: string;
  description?: string;
  config?: Partial<MountConfig>;
  options?: Record<string, string>;
  local?: boolean;
  sealWrap?: boolean;
  externalEntropyAccess?: boolean;
  pluginVersion?: string;
  /** Fixed uuid for built-in mounts whose storage must be found again (tests). */
  uuid?: string;
}

export function newMountEntry(input: NewMountInput): MountEntry {
  return {
    table: input.table,
    path: normalizeMountPath(input.path),
    type: input.type,
    description: input.description ?? "",
    uuid: input.uuid ?? newUuid(),
    accessor: newAccessor(input.table === "auth" ? `auth_${input.type}` : input.type),
    config: { ...defaultMountConfig(), ...input.config },
    options: { ...input.options },
    local: input.local ?? false,
    sealWrap: input.sealWrap ?? false,
    externalEntropyAccess: input.externalEntropyAccess ?? false,
    pluginVersion: input.pluginVersion ?? "",
  };
}

/**
 * `secret` -> `secret/`. Refuses paths that `path.Clean` would change
 * (Vault: a path that differs from its cleaned form is a 400), so `a//b`,
 * `./a` and `a/../b` never become mount points.
 */
export function normalizeMountPath(raw: string): string {
  const trimmed = raw.replace(/^\/+/, "");
  const withoutSlash = trimmed.endsWith("/") ? trimmed.slice(0, -1) : trimmed;
  if (withoutSlash === "") throw new CofferError("invalid_request", "path cannot be empty");
  const segments = withoutSlash.split("/");
  if (segments.some((segment) => segment === "" || segment === "." || segment === "..")) {
    throw new CofferError("invalid_request", `invalid mount path "${raw}"`);
  }
  return `${withoutSlash}/`;
}

/** The path a mount is routed at: auth mounts live under `auth/`. */
export function routePath(entry: Pick<MountEntry, "table" | "path">): string {
  return entry.table === "auth" ? `auth/${entry.path}` : entry.path;
}

/** Storage prefix of a mount's view, in Vault's layout. */
export function storagePrefix(entry: Pick<MountEntry, "table" | "uuid" | "type">): string {
  if (entry.type === "system") return "sys/";
  if (entry.type === "token") return "sys/token/";
  return entry.table === "auth" ? `auth/${entry.uuid}/` : `logical/${entry.uuid}/`;
}
