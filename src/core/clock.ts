/** Time source, passed in so tests can use a fake clock instead of sleeping. */
export interface Clock {
  now(): number;
}

/** Wall-clock time: for timestamps, for what is persisted, and for what other machines check (signedAt). */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * Monotonic time in ms, for windows, backoffs, lockouts and timeouts: it never steps when the wall
 * clock is set back or forward. Its origin is the process start's wall time, so values look like
 * epoch ms, but they are not wall time and must never be persisted or shown as a date.
 */
export const monotonicClock: Clock = { now: () => performance.timeOrigin + performance.now() };

/** A manually advanced clock for tests. */
export class FakeClock implements Clock {
  constructor(private t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
