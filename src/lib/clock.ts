/**
 * Time as a dependency. Production passes `systemClock`; tests pass a clock
 * they move by hand, so lease expiry and TTLs are tested without sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
};

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  #nowMs: number;

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  advanceMs(deltaMs: number): void {
    this.#nowMs += deltaMs;
  }
}
