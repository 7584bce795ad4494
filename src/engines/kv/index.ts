/**
 * The kv secrets engine. The mount option `version` picks the flavour:
 * "1" (or unset) is the non-versioned passthrough store, "2" the versioned
 * store. A mount keeps its version: upgrading v1 data to v2 is not supported.
 */
import { invalidRequest } from "../../lib/index.js";
import type { BackendFactory } from "../../logical/index.js";
import { kvV1Backend } from "./v1.js";
import { kvV2Backend } from "./v2/backend.js";

export const factory: BackendFactory = async (config) => {
  const version = config.options["version"] ?? "";
  switch (version) {
    case "":
    case "1":
      return kvV1Backend({ system: config.system, leased: config.options["leased_passthrough"] === "true" });
    case "2":
      return kvV2Backend({ system: config.system });
    default:
      throw invalidRequest(`unsupported kv version "${version}": use 1 or 2`);
  }
};

export { kvV1Backend } from "./v1.js";
export { kvV2Backend } from "./v2/backend.js";
