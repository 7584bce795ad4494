/**
 * The backends this build of Coffer offers, by mount type. The core never
 * imports an engine: it gets this registry from here.
 */
import type { BackendRegistry } from "../core/index.js";
import { factory as cubbyholeFactory } from "../engines/cubbyhole/index.js";
import { factory as kvFactory } from "../engines/kv/index.js";

export function builtinRegistry(): BackendRegistry {
  return {
    engines: new Map([
      ["kv", kvFactory],
      ["cubbyhole", cubbyholeFactory],
    ]),
    authMethods: new Map(),
  };
}
