/**
 * Membership: configurations, single-server changes, and the encoding of a
 * `config` entry. A configuration takes effect on a server as soon as its
 * entry is in that server's log, committed or not (thesis §4.1); the history
 * below lets a log truncation roll it back.
 */
import { assert, invalidRequest } from "../lib/index.js";
import type { ConfigChange, ConfigEntry, Configuration, Entry, HardState, NodeId, Server } from "./types.js";
import { toLogIndex, toTerm } from "./types.js";

export function voterIds(configuration: Configuration): NodeId[] {
  return configuration.servers.filter((server) => server.suffrage === "voter").map((server) => server.id);
}

export function isVoter(configuration: Configuration, id: NodeId): boolean {
  return configuration.servers.some((server) => server.id === id && server.suffrage === "voter");
}

export function isMember(configuration: Configuration, id: NodeId): boolean {
  return configuration.servers.some((server) => server.id === id);
}

export type ConfigChangeRefusal = "noChange" | "unknownServer" | "wouldLeaveNoVoters";

/**
 * The configuration after `change`, or why the change is refused. Adding an
 * existing server changes its suffrage or address; a change that alters
 * nothing is refused so the log does not fill with no-ops.
 */
export function applyConfigChange(
  configuration: Configuration,
  change: ConfigChange,
):
  | { readonly ok: true; readonly configuration: Configuration }
  | { readonly ok: false; readonly reason: ConfigChangeRefusal } {
  const others = configuration.servers.filter((server) => server.id !== change.id);
  const existing = configuration.servers.find((server) => server.id === change.id);
  let servers: readonly Server[];
  switch (change.type) {
    case "addVoter":
    case "addNonVoter": {
      const suffrage = change.type === "addVoter" ? "voter" : "nonvoter";
      if (existing?.suffrage === suffrage && existing.address === change.address)
        return { ok: false, reason: "noChange" };
      const server: Server = { id: change.id, address: change.address, suffrage };
      // Keep the server's position when it already exists, so configurations compare stably.
      servers = existing
        ? configuration.servers.map((current) => (current.id === change.id ? server : current))
        : [...configuration.servers, server];
      break;
    }
    case "removeServer":
      if (!existing) return { ok: false, reason: "unknownServer" };
      servers = others;
      break;
  }
  if (!servers.some((server) => server.suffrage === "voter")) return { ok: false, reason: "wouldLeaveNoVoters" };
  return { ok: true, configuration: { servers } };
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

export function encodeConfigEntry(entry: ConfigEntry): Uint8Array {
  return textEncoder.encode(JSON.stringify(entry));
}

function isServer(value: unknown): value is Server {
  if (typeof value !== "object" || value === null) return false;
  const server = value as Record<string, unknown>;
  return (
    typeof server["id"] === "string" &&
    typeof server["address"] === "string" &&
    (server["suffrage"] === "voter" || server["suffrage"] === "nonvoter")
  );
}

function isConfigChange(value: unknown): value is ConfigChange {
  if (typeof value !== "object" || value === null) return false;
  const change = value as Record<string, unknown>;
  if (typeof change["id"] !== "string") return false;
  if (change["type"] === "removeServer") return true;
  return (change["type"] === "addVoter" || change["type"] === "addNonVoter") && typeof change["address"] === "string";
}

/** Decodes a `config` entry's data; throws an invalid_request CofferError on malformed bytes. */
export function decodeConfigEntry(data: Uint8Array): ConfigEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(textDecoder.decode(data));
  } catch (error) {
    throw invalidRequest("raft: malformed config entry", { cause: error });
  }
  const candidate = parsed as { change?: unknown; configuration?: { servers?: unknown } } | null;
  const servers = candidate?.configuration?.servers;
  const change = candidate?.change;
  if ((change !== null && !isConfigChange(change)) || !Array.isArray(servers) || !servers.every(isServer)) {
    throw invalidRequest("raft: malformed config entry");
  }
  return { change, configuration: { servers } };
}

export interface ConfigurationAt {
  /** Index of the entry (or snapshot) that established it. */
  readonly index: number;
  readonly configuration: Configuration;
}

/**
 * The configurations a server's log establishes: a base (from the latest
 * snapshot or applied entry) and the config entries above it, oldest first.
 * The newest is in effect.
 */
export class ConfigurationHistory {
  private base: ConfigurationAt;
  private readonly later: ConfigurationAt[] = [];

  constructor(base: ConfigurationAt) {
    this.base = base;
  }

  latest(): ConfigurationAt {
    return this.later[this.later.length - 1] ?? this.base;
  }

  /**
   * The configuration in effect at `index`. Below the base (a snapshot just
   * replaced the log, and the FSM is about to jump to it) the base is the
   * oldest one known, and what the FSM will have.
   */
  at(index: number): ConfigurationAt {
    let found = this.base;
    for (const item of this.later) if (item.index <= index) found = item;
    return found;
  }

  /** Records the config entries among freshly appended `entries` (after `truncateFrom`). */
  observe(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.kind !== "config") continue;
      assert(entry.index > this.latest().index, "config entries must be observed in log order");
      this.later.push({ index: entry.index, configuration: decodeConfigEntry(entry.data).configuration });
    }
  }

  /** Forgets configurations from entries at or above `index` (a conflicting suffix was replaced). */
  truncateFrom(index: number): void {
    assert(index > this.base.index, `cannot truncate the history base at ${this.base.index}`);
    while (this.later.length > 0 && this.later[this.later.length - 1]!.index >= index) this.later.pop();
  }

  /** Folds configurations at or below `index` into the base (they can no longer be truncated). */
  compactTo(index: number): void {
    while (this.later.length > 0 && this.later[0]!.index <= index) this.base = this.later.shift()!;
  }

  /** Replaces everything with a snapshot's configuration. */
  reset(base: ConfigurationAt): void {
    this.base = base;
    this.later.length = 0;
  }
}

/**
 * What a server of a new cluster persists before it first starts: entry 1 (of
 * term 1) establishing `configuration`, and term 1. Every founding server
 * must be given the same configuration; a server joining later starts empty
 * and learns the configuration from the leader.
 */
export function bootstrapLog(configuration: Configuration): {
  readonly hardState: HardState;
  readonly entries: readonly Entry[];
} {
  assert(
    configuration.servers.some((server) => server.suffrage === "voter"),
    "a cluster needs a voter",
  );
  const entry: Entry = {
    index: toLogIndex(1),
    term: toTerm(1),
    kind: "config",
    data: encodeConfigEntry({ change: null, configuration }),
  };
  return { hardState: { term: toTerm(1), votedFor: "", commit: toLogIndex(0) }, entries: [entry] };
}
