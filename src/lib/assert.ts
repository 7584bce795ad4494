/**
 * Assertions are for states the code believes impossible. They stay on in
 * production and throw loudly: continuing past a broken invariant in a
 * secrets store is worse than crashing. Operational failures (bad input,
 * I/O errors) use the typed errors in errors.ts instead.
 */
export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function unreachable(value: never, message = "unreachable"): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}
