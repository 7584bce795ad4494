export type { Backend, TransactionOp } from "./backend.js";
export { compareKeys, InmemBackend } from "./inmem.js";
export { LevelDbBackend, type LevelDbBackendOptions } from "./leveldb.js";
export { ClosedError, checkKey, checkTransaction, checkValue, childOf } from "./validate.js";
