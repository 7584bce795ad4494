/**
 * Vault's SealConfig: how many key shares exist and how many unseal. Stored
 * as plaintext JSON at `core/seal-config` with Vault's field names, so that a
 * reader of the data directory sees the same document Vault keeps; it holds
 * nothing secret.
 */
import { CofferError, invalidRequest } from "../lib/index.js";

export type SealType = "shamir" | "awskms" | "transit";
const sealTypes: readonly string[] = ["shamir", "awskms", "transit"] satisfies SealType[];

export interface SealConfig {
  readonly type: SealType;
  readonly secretShares: number;
  readonly secretThreshold: number;
  /** Always null here: init with pgp_keys is refused before it reaches the seal. */
  readonly pgpKeys: readonly string[] | null;
  /** Vault's rekey nonce; empty outside a rekey. */
  readonly nonce: string;
  readonly backup: boolean;
  /** Root keys kept by the seal (encrypted): 1 for Shamir as in Vault >= 1.3, where the unseal key wraps the root key. */
  readonly storedShares: number;
}

/** Vault's SealConfig.Validate checks, in its order and with its messages, as 400s. */
export function validateShareCounts(shares: number, threshold: number): void {
  if (!Number.isSafeInteger(shares)) throw invalidRequest("secret_shares must be an integer");
  if (!Number.isSafeInteger(threshold)) throw invalidRequest("secret_threshold must be an integer");
  if (shares < 1) throw invalidRequest("shares must be at least one");
  if (threshold < 1) throw invalidRequest("threshold must be at least one");
  if (shares > 1 && threshold === 1) throw invalidRequest("threshold must be greater than one for multiple shares");
  if (shares > 255) throw invalidRequest("shares must be less than 256");
  if (threshold > 255) throw invalidRequest("threshold must be less than 256");
  if (threshold > shares) throw invalidRequest("threshold cannot be larger than shares");
}

export function encodeSealConfig(config: SealConfig): Uint8Array {
  const document = {
    type: config.type,
    secret_shares: config.secretShares,
    secret_threshold: config.secretThreshold,
    pgp_keys: config.pgpKeys,
    nonce: config.nonce,
    backup: config.backup,
    stored_shares: config.storedShares,
  };
  return new TextEncoder().encode(JSON.stringify(document));
}

/** Parses the stored document; anything malformed is a typed internal error (storage damage, not bad input). */
export function decodeSealConfig(stored: Uint8Array): SealConfig {
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder().decode(stored));
  } catch (error) {
    throw corrupt("not JSON", error);
  }
  if (typeof document !== "object" || document === null) throw corrupt("not an object");
  const fields = document as Record<string, unknown>;
  const type = fields.type;
  if (typeof type !== "string" || !sealTypes.includes(type)) throw corrupt("unknown type");
  const config: SealConfig = {
    type: type as SealType,
    secretShares: integerField(fields, "secret_shares"),
    secretThreshold: integerField(fields, "secret_threshold"),
    pgpKeys: Array.isArray(fields.pgp_keys) ? fields.pgp_keys.map(String) : null,
    nonce: typeof fields.nonce === "string" ? fields.nonce : "",
    backup: fields.backup === true,
    storedShares: fields.stored_shares === undefined ? 0 : integerField(fields, "stored_shares"),
  };
  try {
    validateShareCounts(config.secretShares, config.secretThreshold);
  } catch (error) {
    throw corrupt("invalid share counts", error);
  }
  return config;
}

function integerField(fields: Record<string, unknown>, name: string): number {
  const value = fields[name];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw corrupt(`${name} is not an integer`);
  return value;
}

function corrupt(detail: string, cause?: unknown): CofferError {
  return new CofferError("internal", `the stored seal configuration is corrupt: ${detail}`, { cause });
}
