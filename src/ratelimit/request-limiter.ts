/**
 * `gateway.rateLimit`: at most `maxRequests` per `windowMs` per key (the
 * caller's key: normally the client address key, after trusted-proxy
 * resolution).
 */
import type { Clock } from "../core/clock.js";
import { monotonicClock } from "../core/clock.js";
import { positiveInt } from "./options.js";
import { MemoryRateLimitStore } from "./store.js";
import type { RateLimitStore } from "./store.js";

export interface RequestLimiterOptions {
  /** Default true. When false every check passes with `remaining: Infinity`. */
  enabled?: boolean;
  /** Default 60 000. */
  windowMs?: number;
  /** Default 100. */
  maxRequests?: number;
  /** Default: a new `MemoryRateLimitStore`. */
  store?: RateLimitStore;
  clock?: Clock;
}

export const DEFAULT_REQUEST_LIMITS = { enabled: true, windowMs: 60_000, maxRequests: 100 } as const;

export type RequestDecision =
  | { ok: true; remaining: number }
  /** `firstInWindow`: the first refusal of this key in this window; audit only then. */
  | { ok: false; retryAfterMs: number; firstInWindow: boolean };

export interface RequestLimiter {
  check(key: string): Promise<RequestDecision>;
}

export function createRequestLimiter(opts: RequestLimiterOptions = {}): RequestLimiter {
  const enabled = opts.enabled ?? DEFAULT_REQUEST_LIMITS.enabled;
  const windowMs = positiveInt("windowMs", opts.windowMs ?? DEFAULT_REQUEST_LIMITS.windowMs);
  const maxRequests = positiveInt("maxRequests", opts.maxRequests ?? DEFAULT_REQUEST_LIMITS.maxRequests);
  const store = opts.store ?? new MemoryRateLimitStore();
  const clock = opts.clock ?? monotonicClock;
  return {
    async check(key: string): Promise<RequestDecision> {
      if (!enabled) return { ok: true, remaining: Number.POSITIVE_INFINITY };
      const now = clock.now();
      const { count, resetAtMs } = await store.hit(key, windowMs, now);
      if (count <= maxRequests) return { ok: true, remaining: maxRequests - count };
      return { ok: false, retryAfterMs: Math.max(1, resetAtMs - now), firstInWindow: count === maxRequests + 1 };
    },
  };
}
