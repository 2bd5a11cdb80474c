/**
 * Where request counts live. The interface is async so a shared store (Redis
 * `INCR` + `PEXPIRE`) can replace the in-memory one for several gateways.
 *
 * Algorithm: fixed window per key. The first hit opens a window of
 * `windowMs`; `count` is the number of hits in the current window and
 * `resetAtMs` when it ends. Chosen because it is one counter per key, maps to
 * one atomic Redis operation, and gives an exact `Retry-After`. Trade-off: a
 * client can make up to 2 × max requests around a window boundary.
 */
import { BoundedMap } from "./bounded-map.js";

export interface RateLimitHit {
  count: number;
  resetAtMs: number;
}

export interface RateLimitStore {
  hit(key: string, windowMs: number, now: number): Promise<RateLimitHit>;
  reset(key: string): Promise<void>;
}

export interface MemoryRateLimitStoreOptions {
  /** Most keys held at once (default 10 000); the oldest window is evicted first. */
  maxKeys?: number;
  /** How often expired windows are swept, at most (default 60 000 ms). */
  sweepIntervalMs?: number;
}

export const DEFAULT_STORE_MAX_KEYS = 10_000;

interface Window {
  count: number;
  resetAtMs: number;
}

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows: BoundedMap<Window>;

  constructor(opts: MemoryRateLimitStoreOptions = {}) {
    this.windows = new BoundedMap<Window>({
      maxKeys: opts.maxKeys ?? DEFAULT_STORE_MAX_KEYS,
      sweepIntervalMs: opts.sweepIntervalMs ?? 60_000,
      isExpired: (w, now) => now >= w.resetAtMs,
    });
  }

  get size(): number {
    return this.windows.size;
  }

  async hit(key: string, windowMs: number, now: number): Promise<RateLimitHit> {
    const w = this.windows.get(key, now);
    if (w === undefined) {
      const fresh = { count: 1, resetAtMs: now + windowMs };
      this.windows.set(key, fresh, now);
      return { ...fresh };
    }
    w.count++;
    return { count: w.count, resetAtMs: w.resetAtMs };
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }
}
