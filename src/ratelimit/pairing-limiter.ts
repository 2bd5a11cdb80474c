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
 */
import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import { BoundedMap } from "./bounded-map.js";
import { positiveInt } from "./options.js";

export interface PairingLimiterOptions {
  maxAttempts?: number;
  windowMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  backoffResetMs?: number;
  /** Most keys per table (default 10 000). */
  maxKeys?: number;
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
  check(subject: PairingSubject): PairingDecision;
  /** The same decision as check, without counting an attempt. */
  peek(subject: PairingSubject): PairingDecision;
  /** Returns the backoff now in force (the longer of channel and address). */
  recordFailure(subject: PairingSubject): { backoffMs: number };
  recordSuccess(subject: PairingSubject): void;
}

interface Window {
  count: number;
  resetAtMs: number;
}

interface Streak {
  failures: number;
  lastFailureAt: number;
  retryAt: number;
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
  const clock = opts.clock ?? systemClock;
  const maxKeys = opts.maxKeys ?? 10_000;
  const windows = new BoundedMap<Window>({
    maxKeys,
    sweepIntervalMs: windowMs,
    isExpired: (w, now) => now >= w.resetAtMs,
  });
  const streaks = new BoundedMap<Streak>({
    maxKeys,
    sweepIntervalMs: windowMs,
    isExpired: (s, now) => now >= s.lastFailureAt + resetMs,
    isProtected: (s, now) => now < s.retryAt,
  });
  const keys = (s: PairingSubject): [string, string] => [`channel:${s.channel}`, `ip:${s.ip}`];

  const decide = (ks: [string, string], now: number): PairingDecision => {
    let backoffUntil = 0;
    let rateUntil = 0;
    for (const k of ks) {
      backoffUntil = Math.max(backoffUntil, streaks.get(k, now)?.retryAt ?? 0);
      const w = windows.get(k, now);
      if (w !== undefined && w.count >= maxAttempts) rateUntil = Math.max(rateUntil, w.resetAtMs);
    }
    if (backoffUntil > now || rateUntil > now) {
      const reason = backoffUntil >= rateUntil ? "backoff" : "rate";
      return { ok: false, reason, retryAfterMs: Math.max(backoffUntil, rateUntil) - now };
    }
    return { ok: true };
  };

  return {
    peek(subject) {
      return decide(keys(subject), clock.now());
    },
    check(subject) {
      const now = clock.now();
      const ks = keys(subject);
      const d = decide(ks, now);
      if (!d.ok) return d;
      for (const k of ks) {
        const w = windows.get(k, now);
        if (w === undefined) windows.set(k, { count: 1, resetAtMs: now + windowMs }, now);
        else w.count++;
      }
      return { ok: true };
    },
    recordFailure(subject) {
      const now = clock.now();
      let backoffMs = 0;
      for (const k of keys(subject)) {
        const prev = streaks.get(k, now);
        const failures = Math.min((prev?.failures ?? 0) + 1, MAX_DOUBLINGS);
        const delay = Math.min(baseMs * 2 ** (failures - 1), maxMs);
        streaks.set(k, { failures, lastFailureAt: now, retryAt: now + delay }, now);
        backoffMs = Math.max(backoffMs, delay);
      }
      return { backoffMs };
    },
    recordSuccess(subject) {
      for (const k of keys(subject)) streaks.delete(k);
    },
  };
}
