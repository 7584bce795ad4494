import type { Command } from "../command.js";
import { logicalCommands } from "./logical.js";
import { operatorCommands, statusCommand } from "./operator.js";
import { secretsCommands } from "./secrets.js";

/** Every command the CLI knows, by name (`coffer <name> ...`). */
export const allCommands: readonly Command[] = [
  statusCommand,
  ...operatorCommands,
  ...logicalCommands,
  ...secretsCommands,
];
