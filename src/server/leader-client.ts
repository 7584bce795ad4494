/**
 * How a joining node talks to a member's API (`retry_join`, `sys/storage/raft/join`):
 * plain HTTP(S) with the CA, client certificate and server name the operator gave.
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { RetryJoinConfig } from "../config/index.js";
import type { JoinTarget, LeaderApiClient } from "../core/index.js";

const callTimeoutMs = 10_000;

export function leaderApiClient(target: JoinTarget): LeaderApiClient {
  const base = target.leaderApiAddr.replace(/\/+$/, "");
  const call = (path: string, body: Record<string, unknown>) => putJson(target, `${base}/v1/${path}`, body);
  return {
    leaderApiAddr: target.leaderApiAddr,
    challenge: (serverId) => call("sys/storage/raft/bootstrap/challenge", { server_id: serverId }),
    answer: (body) => call("sys/storage/raft/bootstrap/answer", body),
  };
}

/** A retry_join stanza -> a join target (PEM files read now). */
export function joinTargetOf(config: RetryJoinConfig): JoinTarget {
  const pem = (inline: string | undefined, file: string | undefined) =>
    inline ?? (file === undefined ? undefined : readFileSync(file, "utf8"));
  const ca = pem(config.leaderCaCert, config.leaderCaCertFile);
  const cert = pem(config.leaderClientCert, config.leaderClientCertFile);
  const key = pem(config.leaderClientKey, config.leaderClientKeyFile);
  return {
    leaderApiAddr: config.leaderApiAddr,
    ...(ca ? { leaderCaCert: ca } : {}),
    ...(cert ? { leaderClientCert: cert } : {}),
    ...(key ? { leaderClientKey: key } : {}),
    ...(config.leaderTlsServerName ? { leaderTlsServerName: config.leaderTlsServerName } : {}),
  };
}

function putJson(target: JoinTarget, url: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const text = JSON.stringify(body);
  const parsed = new URL(url);
  const send = parsed.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      parsed,
      {
        method: "PUT",
        headers: {
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(text),
          "X-Vault-Request": "true",
        },
        timeout: callTimeoutMs,
        ...(parsed.protocol === "https:"
          ? {
              ...(target.leaderCaCert ? { ca: target.leaderCaCert } : {}),
              ...(target.leaderClientCert ? { cert: target.leaderClientCert } : {}),
              ...(target.leaderClientKey ? { key: target.leaderClientKey } : {}),
              ...(target.leaderTlsServerName ? { servername: target.leaderTlsServerName } : {}),
            }
          : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          let parsedBody: Record<string, unknown> = {};
          try {
            parsedBody = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
          } catch {
            parsedBody = {};
          }
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            const errors = Array.isArray(parsedBody.errors) ? parsedBody.errors.join("; ") : "";
            reject(new Error(`${url}: ${status} ${errors}`.trim()));
            return;
          }
          resolve((parsedBody.data ?? {}) as Record<string, unknown>);
        });
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`${url}: timed out`)));
    request.on("error", reject);
    request.end(text);
  });
}
