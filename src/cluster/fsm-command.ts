/**
 * The payload of a `normal` Raft entry: one physical transaction.
 *
 * A small hand-rolled format rather than protobuf, because it is the hottest
 * encoding in the cluster (encoded once per write, decoded by every node on
 * apply), it has one shape that rarely changes, and decoding straight into
 * `TransactionOp`s needs no generated classes or copies. The leading version
 * byte leaves room to evolve it; a node refuses versions it does not know.
 *
 *   u8 version (1) | varint op count | op*
 *   op = u8 type (1 put, 2 delete) | varint key length | key (UTF-8) | [varint value length | value]
 *
 * An empty payload (the no-op entry a new leader appends) is an empty
 * transaction.
 */
import { CofferError, limits } from "../lib/index.js";
import type { TransactionOp } from "../physical/index.js";
import { ByteReader, ByteWriter, fromUtf8, utf8 } from "./bytes.js";

const commandVersion = 1;
const putCode = 1;
const deleteCode = 2;

/** Encodes ops (already checked with physical's `checkTransaction`); refuses a payload over `raftEntryBytesMax`. */
export function encodeCommand(ops: readonly TransactionOp[]): Uint8Array {
  let estimate = 8;
  for (const op of ops) estimate += op.key.length * 3 + 12 + (op.type === "put" ? op.value.byteLength : 0);
  const writer = new ByteWriter(Math.min(estimate, limits.raftEntryBytesMax + 16));
  writer.u8(commandVersion).varint(ops.length);
  for (const op of ops) {
    writer.u8(op.type === "put" ? putCode : deleteCode).bytes(utf8(op.key));
    if (op.type === "put") writer.bytes(op.value);
    if (writer.length > limits.raftEntryBytesMax) {
      throw new CofferError("payload_too_large", `transaction exceeds ${limits.raftEntryBytesMax} bytes once encoded`);
    }
  }
  return writer.finish();
}

/**
 * Decodes an entry's payload. Values are views into `data` (entries are
 * immutable, so they stay valid). Malformed bytes throw a typed `internal`
 * error: a committed entry that does not decode means corruption or a newer
 * format, and the node must stop rather than skip it.
 */
export function decodeCommand(data: Uint8Array, what = "raft command"): TransactionOp[] {
  if (data.byteLength === 0) return [];
  const reader = new ByteReader(data, what);
  const version = reader.u8();
  if (version !== commandVersion) throw reader.error(`unknown command version ${version}`);
  const count = reader.varint();
  if (count > limits.transactionOpsMax) throw reader.error(`${count} operations exceed ${limits.transactionOpsMax}`);
  const ops: TransactionOp[] = [];
  for (let i = 0; i < count; i++) {
    const code = reader.u8();
    const keyBytes = reader.bytes();
    let key: string;
    try {
      key = fromUtf8(keyBytes);
    } catch {
      throw reader.error("key is not UTF-8");
    }
    if (key.length === 0) throw reader.error("empty key");
    if (code === putCode) ops.push({ type: "put", key, value: reader.bytes() });
    else if (code === deleteCode) ops.push({ type: "delete", key });
    else throw reader.error(`unknown operation type ${code}`);
  }
  reader.end();
  return ops;
}
