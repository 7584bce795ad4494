/**
 * The vocabulary shared by the pure Raft core (src/raft) and the layers that
 * persist and transport it (src/cluster). Values here are plain data: no
 * classes, no I/O, safe to structured-clone.
 */
import { assert } from "../lib/index.js";

declare const termBrand: unique symbol;
declare const logIndexBrand: unique symbol;

/** A Raft term. Branded so a term is never passed where an index is meant. */
export type Term = number & { readonly [termBrand]: true };
/** A position in the replicated log; 0 means "before the first entry". */
export type LogIndex = number & { readonly [logIndexBrand]: true };
/** A server's stable identity (Vault's `node_id`). */
export type NodeId = string;

export function toTerm(value: number): Term {
  assert(Number.isSafeInteger(value) && value >= 0, `invalid term ${value}`);
  return value as Term;
}

export function toLogIndex(value: number): LogIndex {
  assert(Number.isSafeInteger(value) && value >= 0, `invalid log index ${value}`);
  return value as LogIndex;
}

/**
 * `normal` carries an opaque command for the FSM (possibly empty: the no-op a
 * new leader appends); `config` carries one encoded ConfigEntry (see
 * `encodeConfigEntry`), which takes effect as soon as it is in a log.
 */
export type EntryKind = "normal" | "config";

/** A log entry. Entries are immutable once created: never mutate `data`. */
export interface Entry {
  readonly index: LogIndex;
  readonly term: Term;
  readonly kind: EntryKind;
  readonly data: Uint8Array;
}

/** What must be on disk before any message that depends on it is sent. */
export interface HardState {
  readonly term: Term;
  /** The candidate voted for in `term`, or "" for none. */
  readonly votedFor: NodeId;
  readonly commit: LogIndex;
}

export type Suffrage = "voter" | "nonvoter";

export interface Server {
  readonly id: NodeId;
  /** Opaque to the core: the cluster layer's address for this server. */
  readonly address: string;
  readonly suffrage: Suffrage;
}

/** The membership in force; changed one server at a time through the log. */
export interface Configuration {
  readonly servers: readonly Server[];
}

export type ConfigChange =
  | { readonly type: "addVoter"; readonly id: NodeId; readonly address: string }
  | { readonly type: "addNonVoter"; readonly id: NodeId; readonly address: string }
  | { readonly type: "removeServer"; readonly id: NodeId };

/** Describes the state a snapshot captures: everything up to `index`. */
export interface SnapshotMeta {
  readonly index: LogIndex;
  readonly term: Term;
  readonly configuration: Configuration;
}

/**
 * A snapshot as the core sees it: the metadata plus an opaque payload. The
 * core never looks inside `data`; it may hold the FSM's bytes or a reference
 * (for example a snapshot id) that the driver and transport resolve into a
 * stream. What the driver puts in its `LogStorage.snapshot()` is what arrives
 * in the follower's `Ready.snapshot`, after the transport carried it.
 */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

/**
 * The payload of a `config` entry: the change proposed and the whole
 * configuration that results. The full configuration is carried so that a
 * server replaying the log from any point (a new server starting empty, a
 * server after a snapshot) gets the same membership without knowing the
 * configuration that came before.
 */
export interface ConfigEntry {
  /** null for the entry that bootstraps a cluster's first configuration. */
  readonly change: ConfigChange | null;
  readonly configuration: Configuration;
}
