/**
 * `seal "shamir" | "awskms" | "transit" { ... }` with go-kms-wrapping's
 * environment rules: for awskms the key id and endpoint variables win over
 * the file and the region falls back to AWS_REGION / AWS_DEFAULT_REGION /
 * us-east-1; for transit the VAULT_TRANSIT_SEAL_* variables win over the
 * file. Coffer departs from Vault in one place and says so: the generic
 * client variables VAULT_ADDR / VAULT_TOKEN / VAULT_CACERT ... only fill a
 * transit setting the file leaves out, they never replace one it sets (an
 * operator's shell pointing VAULT_ADDR at this very server must not redirect
 * its seal).
 */
import { isHttpUrl } from "./addresses.js";
import { type Env, envFlag, firstEnv, vaultEnv } from "./env.js";
import type { BlockReader } from "./reader.js";
import type { AwsKmsSealConfig, SealConfig, SealType, TransitSealConfig } from "./types.js";

const sealTypes: readonly SealType[] = ["shamir", "awskms", "transit"];

export function isSealType(value: string): value is SealType {
  return (sealTypes as readonly string[]).includes(value);
}

function decodeAwsKms(reader: BlockReader, env: Env, disabled: boolean): AwsKmsSealConfig | undefined {
  const keyIdFromFile = reader.string("kms_key_id");
  const endpointFromFile = reader.string("endpoint");
  const kmsKeyId =
    firstEnv(env, ["COFFER_AWSKMS_SEAL_KEY_ID", "AWSKMS_WRAPPER_KEY_ID", "VAULT_AWSKMS_SEAL_KEY_ID"]) ?? keyIdFromFile;
  const config = {
    type: "awskms" as const,
    disabled,
    region: reader.string("region") ?? firstEnv(env, ["AWS_REGION", "AWS_DEFAULT_REGION"]) ?? "us-east-1",
    endpoint: firstEnv(env, ["AWS_KMS_ENDPOINT", "KMS_ENDPOINT"]) ?? endpointFromFile,
    accessKey: reader.string("access_key"),
    secretKey: reader.string("secret_key"),
    sessionToken: reader.string("session_token"),
    sharedCredsFilename: reader.string("shared_creds_filename"),
    sharedCredsProfile: reader.string("shared_creds_profile"),
    roleArn: reader.string("role_arn"),
    roleSessionName: reader.string("role_session_name"),
    webIdentityTokenFile: reader.string("web_identity_token_file"),
  };
  reader.finish();
  if (kmsKeyId === undefined) {
    reader.fail(undefined, '"kms_key_id" is required (or set VAULT_AWSKMS_SEAL_KEY_ID)');
    return undefined;
  }
  if ((config.accessKey === undefined) !== (config.secretKey === undefined)) {
    reader.fail(
      config.accessKey === undefined ? "secret_key" : "access_key",
      "set both access_key and secret_key, or neither",
    );
    return undefined;
  }
  if (config.endpoint !== undefined && !isHttpUrl(config.endpoint)) {
    reader.fail("endpoint", `"endpoint" must be an http(s) URL, got "${config.endpoint}"`);
    return undefined;
  }
  return { ...config, kmsKeyId };
}

/** A transit setting: its specific variable wins, then the file, then a generic client variable. */
function transitSetting(
  reader: BlockReader,
  env: Env,
  key: string,
  specific: string,
  generic?: string,
): string | undefined {
  const fromFile = reader.string(key);
  return vaultEnv(env, specific) ?? fromFile ?? (generic === undefined ? undefined : vaultEnv(env, generic));
}

function decodeTransit(reader: BlockReader, env: Env, disabled: boolean): TransitSealConfig | undefined {
  const address = transitSetting(reader, env, "address", "VAULT_TRANSIT_SEAL_ADDRESS", "VAULT_ADDR");
  const keyName = transitSetting(reader, env, "key_name", "VAULT_TRANSIT_SEAL_KEY_NAME");
  const mountPath = transitSetting(reader, env, "mount_path", "VAULT_TRANSIT_SEAL_MOUNT_PATH");
  const disableRenewalEnv = vaultEnv(env, "VAULT_TRANSIT_SEAL_DISABLE_RENEWAL");
  const disableRenewalFromFile = reader.bool("disable_renewal");
  const skipVerifyFromFile = reader.bool("tls_skip_verify");
  const skipVerifyEnv = vaultEnv(env, "VAULT_SKIP_VERIFY");
  const common = {
    type: "transit" as const,
    disabled,
    token: transitSetting(reader, env, "token", "VAULT_TRANSIT_SEAL_TOKEN", "VAULT_TOKEN"),
    namespace: reader.string("namespace"),
    disableRenewal: disableRenewalEnv === undefined ? (disableRenewalFromFile ?? false) : envFlag(disableRenewalEnv),
    keyIdPrefix: reader.string("key_id_prefix"),
    tlsCaCert: reader.string("tls_ca_cert") ?? vaultEnv(env, "VAULT_CACERT"),
    tlsClientCert: reader.string("tls_client_cert") ?? vaultEnv(env, "VAULT_CLIENT_CERT"),
    tlsClientKey: reader.string("tls_client_key") ?? vaultEnv(env, "VAULT_CLIENT_KEY"),
    tlsServerName: reader.string("tls_server_name") ?? vaultEnv(env, "VAULT_TLS_SERVER_NAME"),
    tlsSkipVerify: skipVerifyFromFile ?? (skipVerifyEnv === undefined ? false : envFlag(skipVerifyEnv)),
  };
  reader.finish();
  const missing = [
    ["address", address],
    ["key_name", keyName],
    ["mount_path", mountPath],
  ].filter(([, value]) => value === undefined);
  for (const [key] of missing) reader.fail(undefined, `"${key}" is required`);
  if (address === undefined || keyName === undefined || mountPath === undefined) return undefined;
  if (!isHttpUrl(address)) {
    reader.fail("address", `"address" must be an http(s) URL, got "${address}"`);
    return undefined;
  }
  return { ...common, address, keyName, mountPath };
}

/** Decodes one seal stanza whose type may have been replaced by VAULT_SEAL_TYPE. */
export function decodeSeal(type: string, reader: BlockReader, env: Env): SealConfig | undefined {
  const disabled = reader.bool("disabled") ?? false;
  switch (type) {
    case "shamir":
      reader.finish();
      return { type: "shamir", disabled };
    case "awskms":
      return decodeAwsKms(reader, env, disabled);
    case "transit":
      return decodeTransit(reader, env, disabled);
    default:
      reader.fail(undefined, `seal type "${type}" is not supported; use "shamir", "awskms" or "transit"`);
      return undefined;
  }
}
