import type { Command } from "../command.js";
import { kvCommands } from "./kv.js";
import { leaseCommands } from "./lease.js";
import { logicalCommands } from "./logical.js";
import { operatorCommands, statusCommand } from "./operator.js";
import { policyCommands } from "./policy.js";
import { raftCommands } from "./raft.js";
import { secretsCommands } from "./secrets.js";
import { tokenCommands } from "./token.js";

/** Every command the CLI knows, by name (`coffer <name> ...`). */
export const allCommands: readonly Command[] = [
  statusCommand,
  ...operatorCommands,
  ...raftCommands,
  ...logicalCommands,
  ...secretsCommands,
  ...kvCommands,
  ...tokenCommands,
  ...leaseCommands,
  ...policyCommands,
];
