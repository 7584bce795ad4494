/** What every KV v2 path handler shares: the clock and the per-key locks. */
import type { KeyedMutex } from "../../../lib/index.js";
import type { SystemView } from "../../../logical/index.js";

export interface KvV2Context {
  readonly system: SystemView;
  /** Serializes read-modify-write of one key's metadata (Vault's per-key locks). */
  readonly locks: KeyedMutex;
}

export function nowMs(context: KvV2Context): number {
  return context.system.clock.nowMs();
}
