/**
 * The join handshake (nobody gets in without the keys), both sides.
 *
 * Active side (`JoinChallenges`): `challenge(server_id)` draws a random
 * answer, remembers it for that server, and returns it encrypted under a key
 * derived from the root key, together with the cluster's wrapped root key
 * (the blob at core/hsm/barrier-unseal-keys). Only a holder of the unseal key
 * (the Shamir shares) can unwrap the root key and so read the answer.
 * `answer(...)` compares in constant time and only then adds the node as a
 * non-voter and hands out the peers and the cluster TLS keyring.
 *
 * Joiner side (`parseChallenge`, `openChallenge`): decode the challenge,
 * and once the operator's shares unwrap the root key, decrypt the answer.
 */

import { randomBytes, timingSafeEqual } from "node:crypto";
import {
  type AesGcmBarrier,
  decryptWithDerivedKey,
  isBarrierDecryptError,
  sealConfigPath,
  storedBarrierKeysPath,
} from "../../barrier/index.js";
import { type Clock, CofferError, invalidRequest } from "../../lib/index.js";
import { getJson } from "../../logical/index.js";
import type { ClusterControl } from "./cluster-control.js";
import { LeaderEntries } from "./leader-entry.js";

/** HKDF purpose label of the challenge key: unrelated to every other key derived from the root key. */
export const joinChallengePurpose = "coffer-raft-join-challenge";
export const clusterTlsStorageKey = "core/raft/tls";
const answerBytes = 32;
/** How long a challenge stays answerable: long enough for operators to bring the shares. */
const challengeTtlMs = 30 * 60_000;
const pendingMax = 1024;
const serverIdPattern = /^[A-Za-z0-9._-]{1,128}$/;

export function checkServerId(serverId: string): void {
  if (serverId === "") throw invalidRequest("server_id must be provided");
  if (!serverIdPattern.test(serverId))
    throw invalidRequest('server_id may hold only letters, digits, ".", "_" and "-" (1 to 128 of them)');
}

interface Pending {
  readonly answer: Buffer;
  readonly expiresAtMs: number;
}

export interface JoinChallengesOptions {
  readonly barrier: AesGcmBarrier;
  readonly cluster: ClusterControl;
  readonly clock: Clock;
}

export class JoinChallenges {
  readonly #options: JoinChallengesOptions;
  readonly #pending = new Map<string, Pending>();

  constructor(options: JoinChallengesOptions) {
    this.#options = options;
  }

  async challenge(serverId: string): Promise<Record<string, unknown>> {
    checkServerId(serverId);
    const { barrier, clock } = this.#options;
    const wrappedRootKey = await barrier.sealStorage.get(storedBarrierKeysPath);
    const sealConfig = await barrier.sealStorage.get(sealConfigPath);
    if (!wrappedRootKey || !sealConfig) throw new CofferError("internal", "the seal's stored keys are missing");
    this.#expire(clock.nowMs());
    if (this.#pending.size >= pendingMax && !this.#pending.has(serverId)) {
      throw new CofferError("rate_limited", "too many join challenges outstanding; try again later");
    }
    const answer = randomBytes(answerBytes);
    const ciphertext = barrier.encryptWithDerivedRootKey(joinChallengePurpose, serverId, answer);
    this.#pending.get(serverId)?.answer.fill(0);
    this.#pending.set(serverId, { answer, expiresAtMs: clock.nowMs() + challengeTtlMs });
    const challenge = Buffer.from(
      JSON.stringify({
        wrapped_root_key: Buffer.from(wrappedRootKey).toString("base64"),
        ciphertext: Buffer.from(ciphertext).toString("base64"),
      }),
    ).toString("base64");
    return { challenge, seal_config: JSON.parse(Buffer.from(sealConfig).toString("utf8")) as unknown };
  }

  async answer(input: {
    serverId: string;
    answerBase64: string;
    clusterAddr: string;
    /** The joiner's API address (Coffer's addition), recorded for sys/ha-status; "" when not given. */
    apiAddr?: string;
  }): Promise<Record<string, unknown>> {
    const { serverId, answerBase64, clusterAddr } = input;
    checkServerId(serverId);
    if (answerBase64 === "") throw invalidRequest("answer must be provided");
    if (clusterAddr === "") throw invalidRequest("cluster_addr must be provided");
    const address = clusterAddressOf(clusterAddr);
    const { barrier, cluster, clock } = this.#options;
    this.#expire(clock.nowMs());
    const pending = this.#pending.get(serverId);
    if (!pending) throw invalidRequest("no expected answer for the server id provided");
    const given = Buffer.from(answerBase64, "base64");
    if (given.byteLength !== pending.answer.byteLength || !timingSafeEqual(given, pending.answer)) {
      throw invalidRequest("invalid answer given");
    }
    this.#pending.delete(serverId);
    pending.answer.fill(0);
    const existing = cluster.status()?.servers.find((server) => server.id === serverId);
    if (existing && (existing.address !== address || existing.suffrage === "voter")) {
      throw invalidRequest(
        `server "${serverId}" is already a member at ${existing.address}; remove it first with remove-peer`,
      );
    }
    const added = existing ? { index: cluster.appliedIndex() } : await cluster.addNonVoter(serverId, address);
    await new LeaderEntries(barrier).write(serverId, { apiAddr: input.apiAddr ?? "", clusterAddr });
    const keyring = await getJson<Record<string, unknown>>(barrier, clusterTlsStorageKey);
    if (!keyring) throw new CofferError("internal", "the cluster TLS keyring is missing");
    const peers = (cluster.status()?.servers ?? []).map((server) => ({
      id: server.id,
      address: server.address,
      suffrage: server.suffrage === "voter" ? "voter" : "non-voter",
    }));
    return { peers, tls_keyring: { ...keyring, applied_index: added.index } };
  }

  /** Forgets every pending answer (this node stopped being active). */
  clear(): void {
    for (const pending of this.#pending.values()) pending.answer.fill(0);
    this.#pending.clear();
  }

  #expire(nowMs: number): void {
    for (const [serverId, pending] of this.#pending) {
      if (pending.expiresAtMs > nowMs) continue;
      pending.answer.fill(0);
      this.#pending.delete(serverId);
    }
  }
}

/** `https://host:8201` or `host:8201` -> `host:8201` (what the Raft configuration records). */
export function clusterAddressOf(clusterAddr: string): string {
  const text = clusterAddr.includes("://") ? clusterAddr : `https://${clusterAddr}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidRequest(`invalid cluster_addr "${clusterAddr}"`);
  }
  if (url.hostname === "" || url.port === "")
    throw invalidRequest(`cluster_addr "${clusterAddr}" needs a host and a port`);
  return `${url.hostname}:${url.port}`;
}

/** A challenge as the joiner holds it until the operator's shares arrive. */
export interface ParsedChallenge {
  readonly wrappedRootKey: Buffer;
  readonly ciphertext: Buffer;
  readonly sealType: string;
  readonly secretShares: number;
  readonly secretThreshold: number;
}

export function parseChallenge(data: Record<string, unknown>): ParsedChallenge {
  const bad = (why: string) => new CofferError("upstream", `the leader's join challenge is malformed: ${why}`);
  const challenge = data.challenge;
  const sealConfig = data.seal_config as Record<string, unknown> | undefined;
  if (typeof challenge !== "string" || typeof sealConfig !== "object" || sealConfig === null)
    throw bad("challenge or seal_config missing");
  let inner: { wrapped_root_key?: unknown; ciphertext?: unknown };
  try {
    inner = JSON.parse(Buffer.from(challenge, "base64").toString("utf8")) as typeof inner;
  } catch {
    throw bad("not base64 JSON");
  }
  if (typeof inner.wrapped_root_key !== "string" || typeof inner.ciphertext !== "string") throw bad("fields missing");
  const shares = Number(sealConfig.secret_shares);
  const threshold = Number(sealConfig.secret_threshold);
  if (!Number.isSafeInteger(shares) || !Number.isSafeInteger(threshold) || threshold < 1 || threshold > shares)
    throw bad("seal_config has no usable share counts");
  return {
    wrappedRootKey: Buffer.from(inner.wrapped_root_key, "base64"),
    ciphertext: Buffer.from(inner.ciphertext, "base64"),
    sealType: String(sealConfig.type ?? ""),
    secretShares: shares,
    secretThreshold: threshold,
  };
}

/** Decrypts the answer with the recovered root key; a challenge made for another server or key does not open. */
export function openChallenge(challenge: ParsedChallenge, rootKey: Uint8Array, serverId: string): Buffer {
  try {
    return decryptWithDerivedKey(rootKey, joinChallengePurpose, serverId, challenge.ciphertext);
  } catch (error) {
    if (isBarrierDecryptError(error))
      throw new CofferError("invalid_request", "the join challenge does not open with these keys", { cause: error });
    throw error;
  }
}
