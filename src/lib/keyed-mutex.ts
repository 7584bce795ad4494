/**
 * One Mutex per key, created on demand and dropped when idle: serializes
 * read-modify-write sections on the same record (a KV v2 key, a transit key)
 * while different records proceed in parallel. Only the active node writes,
 * so an in-process lock is enough.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `section` after every section queued before it for `key`; a rejection does not block later ones. */
  runExclusive<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const run = previous.then(section);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return run;
  }

  /** Keys with a section running or queued (for tests and metrics). */
  get activeKeys(): number {
    return this.#tails.size;
  }
}
