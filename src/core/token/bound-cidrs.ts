/**
 * Token CIDR binding: a token with `bound_cidrs` works only from those
 * networks (Vault checks every token but non-expiring root tokens). A CIDR
 * is `address/prefix` or a bare address (a single host).
 */
import { BlockList, isIP } from "node:net";
import { invalidRequest } from "../../lib/index.js";

interface ParsedCidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: "ipv4" | "ipv6";
}

function parseCidr(text: string): ParsedCidr | undefined {
  const [address = "", prefixText, ...rest] = text.trim().split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > bits ||
    (prefixText !== undefined && !/^\d+$/.test(prefixText))
  ) {
    return undefined;
  }
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/** Checks a list of CIDRs given by a client; a bad one is a 400. */
export function validateCidrs(cidrs: readonly string[]): string[] {
  for (const cidr of cidrs) {
    if (!parseCidr(cidr)) throw invalidRequest(`invalid CIDR "${cidr}"`);
  }
  return cidrs.map((cidr) => cidr.trim());
}

/** True when `remoteAddress` lies in one of `cidrs` (IPv4-mapped IPv6 addresses count as IPv4). */
export function addressAllowed(cidrs: readonly string[], remoteAddress: string): boolean {
  const address =
    remoteAddress.startsWith("::ffff:") && isIP(remoteAddress.slice(7)) === 4 ? remoteAddress.slice(7) : remoteAddress;
  const version = isIP(address);
  if (version === 0) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const parsed = parseCidr(cidr);
    if (parsed) list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list.check(address, version === 4 ? "ipv4" : "ipv6");
}
