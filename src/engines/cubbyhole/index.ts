/** The cubbyhole secrets engine: one private KV store per token. */
import type { BackendFactory } from "../../logical/index.js";
import { cubbyholeBackend } from "./backend.js";

export const factory: BackendFactory = async () => cubbyholeBackend();

export { cubbyholeBackend, cubbyholePrefix } from "./backend.js";
