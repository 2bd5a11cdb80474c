/**
 * Failed-authentication throttling per client address key.
 *
 * `maxFailures` (10) failures within a `windowMs` (60 s) fixed window lock the
 * address out for `lockoutMs` (5 min): long enough to make online guessing
 * useless (at most 10 guesses per ~6 min), short enough that a user who
 * mistyped a password is not shut out for long. A success clears the count.
 *
 * Loopback exemption is decided per call: the caller passes
 * `exemptLoopback: true` only for requests it trusts to be a local tool. For a
 * browser request (one with an `Origin` header) it must pass false: a
 * malicious page in the user's own browser reaches the gateway from loopback.
 * Whether an address is loopback is told by the injected `isLoopback`
 * (default: nothing is), since address parsing lives in transport/net.
 *
 * State is kept in its own bounded map (synchronous: the auth path needs no
 * await, and a lockout carries more than a counter). Active lockouts are
 * protected from eviction while other entries can go.
 */
import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import { BoundedMap } from "./bounded-map.js";
import { positiveInt } from "./options.js";

export interface AuthLockoutOptions {
  maxFailures?: number;
  windowMs?: number;
  lockoutMs?: number;
  /** Most addresses tracked (default 10 000). */
  maxKeys?: number;
  clock?: Clock;
  isLoopback?: (ip: string) => boolean;
}

export const DEFAULT_AUTH_LOCKOUT = { maxFailures: 10, windowMs: 60_000, lockoutMs: 300_000 } as const;

export interface AuthLockoutCallOptions {
  /** Default false. True only for non-browser requests (no `Origin` header). */
  exemptLoopback?: boolean;
}

export type AuthLockoutDecision = { ok: true } | { ok: false; retryAfterMs: number };

export interface FailureOutcome {
  /** The address is locked out now. */
  lockedOut: boolean;
  /** This failure started the lockout (audit it once). */
  justLockedOut: boolean;
  retryAfterMs?: number;
  /** Failures counted in the current window (0 once locked or exempt). */
  failures: number;
}

export interface AuthLockout {
  check(ip: string, call?: AuthLockoutCallOptions): AuthLockoutDecision;
  recordFailure(ip: string, call?: AuthLockoutCallOptions): FailureOutcome;
  recordSuccess(ip: string): void;
}

interface Entry {
  failures: number;
  windowEndsAt: number;
  lockedUntil: number;
}

export function createAuthLockout(opts: AuthLockoutOptions = {}): AuthLockout {
  const maxFailures = positiveInt("maxFailures", opts.maxFailures ?? DEFAULT_AUTH_LOCKOUT.maxFailures);
  const windowMs = positiveInt("windowMs", opts.windowMs ?? DEFAULT_AUTH_LOCKOUT.windowMs);
  const lockoutMs = positiveInt("lockoutMs", opts.lockoutMs ?? DEFAULT_AUTH_LOCKOUT.lockoutMs);
  const clock = opts.clock ?? systemClock;
  const isLoopback = opts.isLoopback ?? (() => false);
  const entries = new BoundedMap<Entry>({
    maxKeys: opts.maxKeys ?? 10_000,
    sweepIntervalMs: windowMs,
    isExpired: (e, now) => now >= e.windowEndsAt && now >= e.lockedUntil,
    isProtected: (e, now) => now < e.lockedUntil,
  });
  const exempt = (ip: string, call: AuthLockoutCallOptions | undefined): boolean =>
    call?.exemptLoopback === true && isLoopback(ip);

  return {
    check(ip, call) {
      if (exempt(ip, call)) return { ok: true };
      const now = clock.now();
      const e = entries.get(ip, now);
      if (e !== undefined && now < e.lockedUntil) return { ok: false, retryAfterMs: e.lockedUntil - now };
      return { ok: true };
    },
    recordFailure(ip, call) {
      if (exempt(ip, call)) return { lockedOut: false, justLockedOut: false, failures: 0 };
      const now = clock.now();
      let e = entries.get(ip, now);
      if (e !== undefined && now < e.lockedUntil) {
        return { lockedOut: true, justLockedOut: false, retryAfterMs: e.lockedUntil - now, failures: 0 };
      }
      if (e === undefined || now >= e.windowEndsAt) e = { failures: 0, windowEndsAt: now + windowMs, lockedUntil: 0 };
      e.failures++;
      if (e.failures >= maxFailures) {
        e = { failures: 0, windowEndsAt: now, lockedUntil: now + lockoutMs };
        entries.set(ip, e, now);
        return { lockedOut: true, justLockedOut: true, retryAfterMs: lockoutMs, failures: 0 };
      }
      entries.set(ip, e, now);
      return { lockedOut: false, justLockedOut: false, failures: e.failures };
    },
    recordSuccess(ip) {
      entries.delete(ip);
    },
  };
}
