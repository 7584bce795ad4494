/** The cluster layer's public surface. Other layers import from here only. */
export { type LogPosition, LogStore, type LogStoreOptions } from "./log-store.js";
export { NodeDatabase, WriteBatch, type WriteOptions } from "./node-db.js";
export { StableStore } from "./stable-store.js";
