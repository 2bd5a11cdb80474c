/**
 * Where rate-limit counters live: request windows, failed-auth counts and
 * lockouts, pairing attempts and backoffs. The interface is async so a shared
 * store can replace the in-memory one for several gateways. Each method is one
 * atomic operation on such a store (Redis, keys expiring by `PEXPIRE`/`PX`):
 *
 * | method                         | Redis (one MULTI/EXEC)                     |
 * |--------------------------------|--------------------------------------------|
 * | `hit(key, windowMs, now)`      | `INCR key` + `PEXPIRE key windowMs NX` + `PTTL key` |
 * | `hit(..., { renew: true })`    | `INCR key` + `PEXPIRE key windowMs`        |
 * | `peek(key, now)`               | `GET key` + `PTTL key`                     |
 * | `set(key, value, now)`         | `SET key count PX (resetAtMs - now)`       |
 * | `reset(key)`                   | `DEL key`                                  |
 *
 * `resetAtMs` is `now + PTTL`. Callers that read and then write (the lockout:
 * `peek` the lock, `hit` the count, `set` the lock) are not atomic as a whole:
 * a race between gateways can at worst report one lockout twice, never lift
 * or skip one.
 *
 * Algorithm: fixed window per key. The first hit opens a window of
 * `windowMs`; `count` is the number of hits in the current window and
 * `resetAtMs` when it ends. Chosen because it is one counter per key, maps to
 * one atomic Redis operation, and gives an exact `Retry-After`. Trade-off: a
 * client can make up to 2 × max requests around a window boundary. With
 * `renew` every hit pushes the end to `now + windowMs` (a streak forgotten
 * `windowMs` after its last hit).
 *
 * Callers prefix their keys (`ip:`, `lockout:`, `pairing:`) so limiters that
 * share one store never collide.
 */
import { BoundedMap } from "./bounded-map.js";

export interface RateLimitHit {
  count: number;
  resetAtMs: number;
}

export interface HitOptions {
  /** Each hit restarts the window at `now` (default false: the window is fixed by the first hit). */
  renew?: boolean;
}

export interface RateLimitStore {
  /** Counts one hit and returns the key's count and window end. */
  hit(key: string, windowMs: number, now: number, opts?: HitOptions): Promise<RateLimitHit>;
  /** The key's count and window end without counting; undefined when absent or expired. */
  peek(key: string, now: number): Promise<RateLimitHit | undefined>;
  /** Holds `value` until `value.resetAtMs` (a lockout, a backoff); a past `resetAtMs` removes the key. */
  set(key: string, value: RateLimitHit, now: number): Promise<void>;
  reset(key: string): Promise<void>;
}

export interface MemoryRateLimitStoreOptions {
  /** Most keys held at once (default 10 000); the oldest key not held by `set` is evicted first. */
  maxKeys?: number;
  /** How often expired windows are swept, at most (default 60 000 ms). */
  sweepIntervalMs?: number;
}

export const DEFAULT_STORE_MAX_KEYS = 10_000;

interface Window {
  count: number;
  resetAtMs: number;
  /** Written by `set`: protected from eviction until it ends. */
  held: boolean;
}

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows: BoundedMap<Window>;

  constructor(opts: MemoryRateLimitStoreOptions = {}) {
    this.windows = new BoundedMap<Window>({
      maxKeys: opts.maxKeys ?? DEFAULT_STORE_MAX_KEYS,
      sweepIntervalMs: opts.sweepIntervalMs ?? 60_000,
      isExpired: (w, now) => now >= w.resetAtMs,
      isProtected: (w, now) => w.held && now < w.resetAtMs,
    });
  }

  get size(): number {
    return this.windows.size;
  }

  async hit(key: string, windowMs: number, now: number, opts: HitOptions = {}): Promise<RateLimitHit> {
    const w = this.windows.get(key, now);
    if (w === undefined) {
      const fresh = { count: 1, resetAtMs: now + windowMs, held: false };
      this.windows.set(key, fresh, now);
      return { count: 1, resetAtMs: fresh.resetAtMs };
    }
    w.count++;
    if (opts.renew === true) {
      w.resetAtMs = now + windowMs;
      this.windows.set(key, w, now);
    }
    return { count: w.count, resetAtMs: w.resetAtMs };
  }

  async peek(key: string, now: number): Promise<RateLimitHit | undefined> {
    const w = this.windows.get(key, now);
    return w === undefined ? undefined : { count: w.count, resetAtMs: w.resetAtMs };
  }

  async set(key: string, value: RateLimitHit, now: number): Promise<void> {
    if (now >= value.resetAtMs) this.windows.delete(key);
    else this.windows.set(key, { count: value.count, resetAtMs: value.resetAtMs, held: true }, now);
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }
}
