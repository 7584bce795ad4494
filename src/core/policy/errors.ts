import { CofferError } from "../../lib/index.js";
import type { Position } from "./hcl/index.js";

/**
 * A policy that cannot be parsed: a 400 whose message starts with Vault's
 * `failed to parse policy: `, and names the line (and column when known).
 */
export class PolicyParseError extends CofferError {
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(detail: string, position?: Position, options: { readonly cause?: unknown } = {}) {
    super("invalid_request", `failed to parse policy: ${detail}`, options);
    this.line = position?.line;
    this.column = position?.column;
  }
}
