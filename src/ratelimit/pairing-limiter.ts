/**
 * Pairing attempts (guide: "Maximum 10 attempts per minute per channel;
 * automatic backoff on repeated failures").
 *
 * - Rate: at most `maxAttempts` (10) per `windowMs` (60 s) fixed window, per
 *   channel key AND per client address key. `check` counts an attempt only
 *   when it is allowed, on both keys.
 * - Backoff: each failure, on the channel and on the address, sets the next
 *   allowed attempt `backoffBaseMs × 2^(n-1)` later (1 s, 2 s, 4 s, ... capped
 *   at `backoffMaxMs`, 5 min). A success clears both streaks; a streak is also
 *   forgotten after `backoffResetMs` (15 min) without a failure.
 *   Per-channel backoff stops an attacker who rotates addresses; the price is
 *   that such an attacker can delay pairing on that channel for everyone, by
 *   at most `backoffMaxMs` at a time.
 *
 * State lives in a `RateLimitStore`, per channel key (`channel:<c>`) and
 * address key (`ip:<a>`), each prefixed `pairing:`: `attempts:` (fixed window,
 * `hit`), `failures:` (the streak, `hit` with `renew`: forgotten
 * `backoffResetMs` after its last failure) and `backoff:` (the next allowed
 * attempt, `set` until then; the memory store protects it from eviction).
 */
import type { Clock } from "../core/clock.js";
import { monotonicClock } from "../core/clock.js";
import { positiveInt } from "./options.js";
import { DEFAULT_STORE_MAX_KEYS, MemoryRateLimitStore } from "./store.js";
import type { RateLimitStore } from "./store.js";

export interface PairingLimiterOptions {
  maxAttempts?: number;
  windowMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  backoffResetMs?: number;
  /** Most keys of the default store (default 10 000); ignored when `store` is given. */
  maxKeys?: number;
  /** Default: a new `MemoryRateLimitStore`. */
  store?: RateLimitStore;
  clock?: Clock;
}

export const DEFAULT_PAIRING_LIMITS = {
  maxAttempts: 10,
  windowMs: 60_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 300_000,
  backoffResetMs: 900_000,
} as const;

export interface PairingSubject {
  channel: string;
  ip: string;
}

export type PairingDecision = { ok: true } | { ok: false; retryAfterMs: number; reason: "rate" | "backoff" };

export interface PairingLimiter {
  /** Counts an attempt when allowed. */
  check(subject: PairingSubject): Promise<PairingDecision>;
  /** The same decision as check, without counting an attempt. */
  peek(subject: PairingSubject): Promise<PairingDecision>;
  /** Returns the backoff now in force (the longer of channel and address). */
  recordFailure(subject: PairingSubject): Promise<{ backoffMs: number }>;
  recordSuccess(subject: PairingSubject): Promise<void>;
}

const MAX_DOUBLINGS = 52;

export function createPairingLimiter(opts: PairingLimiterOptions = {}): PairingLimiter {
  const d = DEFAULT_PAIRING_LIMITS;
  const maxAttempts = positiveInt("maxAttempts", opts.maxAttempts ?? d.maxAttempts);
  const windowMs = positiveInt("windowMs", opts.windowMs ?? d.windowMs);
  const baseMs = positiveInt("backoffBaseMs", opts.backoffBaseMs ?? d.backoffBaseMs);
  const maxMs = positiveInt("backoffMaxMs", opts.backoffMaxMs ?? d.backoffMaxMs);
  const resetMs = Math.max(maxMs, positiveInt("backoffResetMs", opts.backoffResetMs ?? d.backoffResetMs));
  if (maxMs < baseMs) throw new RangeError("backoffMaxMs must be at least backoffBaseMs");
  const clock = opts.clock ?? monotonicClock;
  const store = opts.store ?? new MemoryRateLimitStore({ maxKeys: opts.maxKeys ?? DEFAULT_STORE_MAX_KEYS, sweepIntervalMs: windowMs });
  const keys = (s: PairingSubject): [string, string] => [`channel:${s.channel}`, `ip:${s.ip}`];
  const attemptsKey = (k: string): string => `pairing:attempts:${k}`;
  const failuresKey = (k: string): string => `pairing:failures:${k}`;
  const backoffKey = (k: string): string => `pairing:backoff:${k}`;

  const decide = async (ks: [string, string], now: number): Promise<PairingDecision> => {
    let backoffUntil = 0;
    let rateUntil = 0;
    const reads = await Promise.all(ks.map((k) => Promise.all([store.peek(backoffKey(k), now), store.peek(attemptsKey(k), now)])));
    for (const [backoff, w] of reads) {
      backoffUntil = Math.max(backoffUntil, backoff?.resetAtMs ?? 0);
      if (w !== undefined && w.count >= maxAttempts) rateUntil = Math.max(rateUntil, w.resetAtMs);
    }
    if (backoffUntil > now || rateUntil > now) {
      const reason = backoffUntil >= rateUntil ? "backoff" : "rate";
      return { ok: false, reason, retryAfterMs: Math.max(backoffUntil, rateUntil) - now };
    }
    return { ok: true };
  };

  return {
    async peek(subject) {
      return decide(keys(subject), clock.now());
    },
    async check(subject) {
      const now = clock.now();
      const ks = keys(subject);
      const d = await decide(ks, now);
      if (!d.ok) return d;
      await Promise.all(ks.map((k) => store.hit(attemptsKey(k), windowMs, now)));
      return { ok: true };
    },
    async recordFailure(subject) {
      const now = clock.now();
      const delays = await Promise.all(
        keys(subject).map(async (k) => {
          const streak = await store.hit(failuresKey(k), resetMs, now, { renew: true });
          const failures = Math.min(streak.count, MAX_DOUBLINGS);
          const delay = Math.min(baseMs * 2 ** (failures - 1), maxMs);
          await store.set(backoffKey(k), { count: failures, resetAtMs: now + delay }, now);
          return delay;
        }),
      );
      return { backoffMs: Math.max(...delays) };
    },
    async recordSuccess(subject) {
      await Promise.all(keys(subject).flatMap((k) => [store.reset(failuresKey(k)), store.reset(backoffKey(k))]));
    },
  };
}
