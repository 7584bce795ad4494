/** `storage` stanza -> a physical Backend. */
import type { StorageConfig } from "../config/index.js";
import { CofferError } from "../lib/index.js";
import { type Backend, InmemBackend, LevelDbBackend } from "../physical/index.js";

export async function openStorage(config: StorageConfig): Promise<Backend> {
  switch (config.type) {
    case "inmem":
      return new InmemBackend();
    case "file":
      return LevelDbBackend.open({ path: config.path });
    case "raft":
      throw new CofferError("invalid_request", 'storage "raft" is not available in this build yet');
  }
}
