/**
 * The cluster port's TLS identity, as Vault's raft TLS keyring: one
 * self-signed ECDSA P-256 certificate and key, generated at init, stored in
 * the barrier (`core/raft/tls`), shared by every member and used both as the
 * server and the client certificate. Every member trusts only that
 * certificate, so a client without it is refused at the TLS handshake, and
 * a node gets it only after it has answered the join challenge.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { CofferError, newUuid } from "../../lib/index.js";
import {
  bitString,
  boolean,
  explicit,
  objectIdentifier,
  octetString,
  sequence,
  set,
  smallInteger,
  time,
  tlv,
  unsignedInteger,
  utf8String,
} from "./der.js";

/** The name every member's certificate carries and every client verifies (peers are dialled by IP). */
export const clusterTlsServerName = "coffer-cluster";

const validityYears = 30;
const oids = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

/** One key of the keyring, in Vault's `tls_keyring.keys[]` shape (our key encoding: PKCS#8 DER, base64). */
export interface ClusterTlsKey {
  readonly id: string;
  readonly key_type: "p256";
  /** The certificate, DER, base64. */
  readonly cluster_cert: string;
  /** The private key, PKCS#8 DER, base64. */
  readonly cluster_key: string;
  readonly created_time: string;
  readonly applied_index: number;
}

/** What `core/raft/tls` holds and a join answer hands out (Vault's `tls_keyring`). */
export interface ClusterTlsKeyring {
  readonly keys: readonly ClusterTlsKey[];
  readonly active_key_id: string;
  readonly term: number;
  readonly applied_index: number;
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return sequence(objectIdentifier(oid), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** A self-signed CA certificate for `commonName`, valid for server and client authentication. */
function selfSignedCertificate(commonName: string, now: Date): { certificateDer: Buffer; privateKeyDer: Buffer } {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const name = sequence(set(sequence(objectIdentifier(oids.commonName), utf8String(commonName))));
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + validityYears);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const algorithm = sequence(objectIdentifier(oids.ecdsaWithSha256));
  const extensions = sequence(
    extension(oids.basicConstraints, true, sequence(boolean(true))),
    // digitalSignature (bit 0) and keyCertSign (bit 5): 0b10000100, two unused bits.
    extension(oids.keyUsage, true, bitString(Buffer.from([0x84]), 2)),
    extension(oids.extKeyUsage, false, sequence(objectIdentifier(oids.serverAuth), objectIdentifier(oids.clientAuth))),
    extension(
      oids.subjectAltName,
      false,
      sequence(tlv(0x82, Buffer.from(clusterTlsServerName, "ascii")), tlv(0x82, Buffer.from(commonName, "ascii"))),
    ),
  );
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(serial),
    algorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: "spki", format: "der" }),
    explicit(3, extensions),
  );
  const signature = sign("sha256", tbs, privateKey);
  const certificateDer = Buffer.from(sequence(tbs, algorithm, bitString(signature)));
  return { certificateDer, privateKeyDer: privateKey.export({ type: "pkcs8", format: "der" }) };
}

/** A new keyring with one key (at init). */
export function generateClusterTlsKeyring(now: Date = new Date()): ClusterTlsKeyring {
  const id = newUuid();
  const { certificateDer, privateKeyDer } = selfSignedCertificate(`raft-${id}`, now);
  const key: ClusterTlsKey = {
    id,
    key_type: "p256",
    cluster_cert: certificateDer.toString("base64"),
    cluster_key: privateKeyDer.toString("base64"),
    created_time: now.toISOString(),
    applied_index: 0,
  };
  return { keys: [key], active_key_id: id, term: 1, applied_index: 0 };
}

/** PEM forms of the active key, for node:tls and gRPC credentials. */
export interface ClusterTlsPem {
  readonly certificatePem: Buffer;
  readonly privateKeyPem: Buffer;
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Checks a keyring received from storage or a join answer and returns its active key as PEM. */
export function activeTlsPem(keyring: unknown): ClusterTlsPem {
  const invalid = (why: string) => new CofferError("invalid_request", `invalid cluster TLS keyring: ${why}`);
  if (typeof keyring !== "object" || keyring === null) throw invalid("not an object");
  const { keys, active_key_id: activeId } = keyring as Partial<ClusterTlsKeyring>;
  if (!Array.isArray(keys) || typeof activeId !== "string") throw invalid("keys or active_key_id missing");
  const active = keys.find((key: Partial<ClusterTlsKey>) => key?.id === activeId) as Partial<ClusterTlsKey> | undefined;
  if (!active || typeof active.cluster_cert !== "string" || typeof active.cluster_key !== "string")
    throw invalid("the active key is missing");
  const certificateDer = Buffer.from(active.cluster_cert, "base64");
  const keyDer = Buffer.from(active.cluster_key, "base64");
  try {
    const certificate = new X509Certificate(certificateDer);
    const privateKey = createPrivateKey({ key: keyDer, format: "der", type: "pkcs8" });
    if (!certificate.checkPrivateKey(privateKey)) throw invalid("the key does not match the certificate");
  } catch (error) {
    if (error instanceof CofferError) throw error;
    throw invalid("the certificate or key does not parse");
  }
  return {
    certificatePem: Buffer.from(pem("CERTIFICATE", certificateDer)),
    privateKeyPem: Buffer.from(pem("PRIVATE KEY", keyDer)),
  };
}

/** Server side of the cluster port: present the certificate, require and verify the peer's against it. */
export function clusterServerCredentials(tls: ClusterTlsPem): grpc.ServerCredentials {
  return grpc.ServerCredentials.createSsl(
    tls.certificatePem,
    [{ cert_chain: tls.certificatePem, private_key: tls.privateKeyPem }],
    true,
  );
}

/** Client side: trust only the cluster certificate and present it. */
export function clusterChannelCredentials(tls: ClusterTlsPem): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(tls.certificatePem, tls.privateKeyPem, tls.certificatePem);
}

/** Channel options every cluster client uses: the fixed server name instead of the dialled IP. */
export const clusterChannelOptions: grpc.ChannelOptions = {
  "grpc.ssl_target_name_override": clusterTlsServerName,
  "grpc.default_authority": clusterTlsServerName,
};
