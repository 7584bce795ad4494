/**
 * Address handling: listener bind addresses (host:port) and the advertised
 * URLs (`api_addr`, `cluster_addr`) with Vault's derivation rules.
 */
import { hostname } from "node:os";

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port` or `[v6]:port`. Returns undefined for anything else (templates, missing port). */
export function parseHostPort(address: string): HostPort | undefined {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:[\]]*):(\d+)$/.exec(address);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port > 65535) return undefined;
  return { host: match[1] as string, port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Default cluster bind address: the API port + 1 (a port 0 "pick one" request stays 0). */
export function clusterBindAddress(apiAddress: HostPort): string {
  return formatHostPort(apiAddress.host, apiAddress.port === 0 ? 0 : apiAddress.port + 1);
}

function isUnspecifiedHost(host: string): boolean {
  return host === "" || host === "0.0.0.0" || host === "::" || host === "[::]";
}

/**
 * The api_addr advertised when none is configured: the first listener's own
 * address. A wildcard bind address cannot be advertised, so the machine's
 * host name stands in, and the caller warns.
 */
export function deriveApiAddr(listener: { address: string; tlsDisable: boolean }): {
  apiAddr: string;
  guessedHost: boolean;
} {
  const scheme = listener.tlsDisable ? "http" : "https";
  const parsed = parseHostPort(listener.address);
  if (parsed === undefined) return { apiAddr: `${scheme}://${listener.address}`, guessedHost: false };
  const guessedHost = isUnspecifiedHost(parsed.host);
  const host = guessedHost ? hostname() : parsed.host;
  return { apiAddr: `${scheme}://${formatHostPort(host, parsed.port)}`, guessedHost };
}

/** Vault's rule: cluster_addr defaults to api_addr's host with port + 1 (444 without a port), always https. */
export function deriveClusterAddr(apiAddr: string): string | undefined {
  let url: URL;
  try {
    url = new URL(apiAddr);
  } catch {
    return undefined;
  }
  const port = url.port === "" ? 444 : Number(url.port) + 1;
  return `https://${url.hostname.includes(":") && !url.hostname.startsWith("[") ? `[${url.hostname}]` : url.hostname}:${port}`;
}

/** True when `value` is an absolute http(s) URL with a host. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}
