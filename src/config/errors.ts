import { CofferError } from "../lib/index.js";
import type { SourcePosition } from "./source-index.js";

/** One thing wrong with a config file; the position is absent only when the scanner could not follow the text. */
export interface ConfigProblem {
  readonly fileName: string;
  readonly position: SourcePosition | undefined;
  readonly message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  const where = problem.position
    ? `${problem.fileName}:${problem.position.line}:${problem.position.column}`
    : problem.fileName;
  return `${where}: ${problem.message}`;
}

/**
 * A config file that cannot be used. Every problem found is reported at once,
 * one per line, each as `file:line:column: message`, so an operator fixes the
 * file in one pass instead of one restart per mistake.
 */
export class ConfigError extends CofferError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options: { cause?: unknown } = {}) {
    super("invalid_request", problems.map(formatProblem).join("\n"), options);
    this.problems = problems;
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}

/** Collects problems while a file is decoded; `throwIfAny` ends decoding with all of them. */
export class ProblemList {
  private readonly found: ConfigProblem[] = [];

  constructor(readonly fileName: string) {}

  add(position: SourcePosition | undefined, message: string): void {
    this.found.push({ fileName: this.fileName, position, message });
  }

  get count(): number {
    return this.found.length;
  }

  throwIfAny(): void {
    if (this.found.length > 0) {
      const sorted = [...this.found].sort(
        (a, b) =>
          (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.column ?? 0) - (b.position?.column ?? 0),
      );
      throw new ConfigError(sorted);
    }
  }
}
