/**
 * Capabilities a policy rule grants, as bits. The bit layout is internal; the
 * names and the legacy `policy = "..."` shorthands are Vault's.
 */
import type { Operation } from "../../logical/index.js";

export const capabilityNames = [
  "deny",
  "create",
  "read",
  "update",
  "delete",
  "list",
  "sudo",
  "patch",
  "subscribe",
  "recover",
] as const;

export type Capability = (typeof capabilityNames)[number];

/** What `sys/capabilities` may answer besides the capabilities: `root` for a root token. */
export type CapabilityAnswer = Capability | "root";

export const capabilityBit: Readonly<Record<Capability, number>> = Object.freeze({
  deny: 1 << 0,
  create: 1 << 1,
  read: 1 << 2,
  update: 1 << 3,
  delete: 1 << 4,
  list: 1 << 5,
  sudo: 1 << 6,
  patch: 1 << 7,
  subscribe: 1 << 8,
  recover: 1 << 9,
});

export function isCapability(name: string): name is Capability {
  return (capabilityNames as readonly string[]).includes(name);
}

/** The order rules are shown in (the order policies usually list them). */
const displayOrder: readonly Capability[] = [
  "create",
  "read",
  "update",
  "patch",
  "delete",
  "list",
  "sudo",
  "subscribe",
  "recover",
  "deny",
];

/** The capabilities set in `bits`; a deny bit alone stands for the whole set. */
export function capabilitiesOf(bits: number): Capability[] {
  if ((bits & capabilityBit.deny) !== 0) return ["deny"];
  return displayOrder.filter((capability) => (bits & capabilityBit[capability]) !== 0);
}

export function bitsOf(capabilities: Iterable<Capability>): number {
  let bits = 0;
  for (const capability of capabilities) bits |= capabilityBit[capability];
  return bits;
}

/** The deprecated `policy = "..."` shorthands and the capabilities each stands for. */
export const legacyPolicyCapabilities: Readonly<Record<string, readonly Capability[]>> = Object.freeze({
  deny: ["deny"],
  read: ["read", "list"],
  write: ["create", "read", "update", "delete", "list"],
  sudo: ["create", "read", "update", "delete", "list", "sudo"],
});

/**
 * The capability an operation needs. `renew`, `revoke` and `rollback` are
 * checked against update, as in Vault; `help` needs none (undefined).
 */
export function capabilityForOperation(operation: Operation): Capability | undefined {
  switch (operation) {
    case "read":
    case "list":
    case "create":
    case "update":
    case "patch":
    case "delete":
      return operation;
    case "renew":
    case "revoke":
    case "rollback":
      return "update";
    case "help":
      return undefined;
  }
}
