/**
 * Runs async critical sections one at a time, in call order. For lifecycle
 * operations that must not interleave with each other (unseal, keyring
 * rotation, unseal-share submission); not for the hot path.
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /** Runs `section` after every section queued before it has settled; a rejection does not block later ones. */
  runExclusive<T>(section: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(section);
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
