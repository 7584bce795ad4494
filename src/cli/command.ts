/**
 * What a command is: its name path (`kv metadata get`), help, flags and a
 * `run` that returns the exit code. Vault's codes: 0 success, 1 a local or
 * usage error, 2 an error from the server (and `status` when sealed).
 */
import { isApiError, TransportError } from "./api-error.js";
import type { FlagSpec, FlagValues } from "./flags.js";
import type { Ui } from "./format/output.js";
import type { ApiClient } from "./http-client.js";
import type { CliIo } from "./io.js";

export const exitOk = 0;
export const exitUsage = 1;
export const exitApi = 2;

/** Which of the shared flag groups a command takes. */
export interface FlagGroups {
  /** -address, -ca-cert, ... (every command that talks to the server). */
  readonly http?: boolean;
  /** -format. */
  readonly format?: boolean;
  /** -field. */
  readonly field?: boolean;
}

export interface CommandContext {
  readonly io: CliIo;
  readonly ui: Ui;
  readonly flags: FlagValues;
  readonly args: readonly string[];
  /** The API client, built on first use from flags and environment. */
  client(): Promise<ApiClient>;
}

export interface Command {
  /** Words after `coffer`, e.g. "operator raft list-peers". */
  readonly name: string;
  readonly synopsis: string;
  /** Help text after the usage line: what it does and examples. */
  readonly help: string;
  readonly usage: string;
  readonly flags?: readonly FlagSpec[];
  readonly groups: FlagGroups;
  /** Allowed positional argument counts. */
  readonly minArgs?: number;
  readonly maxArgs?: number;
  run(context: CommandContext): Promise<number>;
}

/** A local mistake the user can fix (exit 1). */
export class CommandError extends Error {
  override readonly name = "CommandError";

  constructor(
    message: string,
    readonly exitCode = exitUsage,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/**
 * Runs an API call and, if the server or the network fails it, rethrows the
 * failure with Vault's context prefix ("Error writing data to x: ...") and
 * exit code 2.
 */
export async function withErrorPrefix<T>(prefix: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isApiError(error) || error instanceof TransportError) {
      throw new CommandError(`${prefix}: ${error.message}`, exitApi, { cause: error });
    }
    throw error;
  }
}
