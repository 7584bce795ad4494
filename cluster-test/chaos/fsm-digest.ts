/**
 * A digest of a stopped node's FSM, read from its data directory with the
 * cluster layer's own reader (no endpoint in the server): every record's
 * key and value in key order, plus the applied index the FSM has written.
 * Two nodes that applied the same log prefix must agree on both.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Fsm, NodeDatabase, SnapshotDecoder } from "../../src/cluster/index.js";

export interface FsmDigest {
  readonly appliedIndex: number;
  readonly records: number;
  readonly sha256: string;
}

/** `dataDir` is the node's `storage "raft" { path }`; the node must not be running (LevelDB's lock). */
export async function fsmDigestOf(dataDir: string): Promise<FsmDigest> {
  const db = await NodeDatabase.open(join(dataDir, "node.db"));
  try {
    const fsm = await Fsm.open(db);
    const snapshot = await fsm.openSnapshot();
    const decoder = new SnapshotDecoder();
    const hash = createHash("sha256");
    for await (const chunk of snapshot.chunks) {
      for (const item of decoder.push(chunk)) {
        if (item.type !== "record") continue;
        const key = item.record.key;
        const value = item.record.value;
        hash.update(lengthPrefix(key.byteLength)).update(key).update(lengthPrefix(value.byteLength)).update(value);
      }
    }
    decoder.finish();
    return { appliedIndex: snapshot.meta.index, records: decoder.records, sha256: hash.digest("hex") };
  } finally {
    await db.close();
  }
}

function lengthPrefix(length: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, length);
  return bytes;
}
