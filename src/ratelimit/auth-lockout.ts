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
 * State lives in a `RateLimitStore` under two keys per address:
 * `lockout:failures:<ip>` (a fixed window of failures, `hit`) and
 * `lockout:until:<ip>` (an active lockout, `set` until it ends; the memory
 * store protects it from eviction).
 */
import type { Clock } from "../core/clock.js";
import { monotonicClock } from "../core/clock.js";
import { positiveInt } from "./options.js";
import { DEFAULT_STORE_MAX_KEYS, MemoryRateLimitStore } from "./store.js";
import type { RateLimitStore } from "./store.js";

export interface AuthLockoutOptions {
  maxFailures?: number;
  windowMs?: number;
  lockoutMs?: number;
  /** Most keys of the default store (default 10 000); ignored when `store` is given. */
  maxKeys?: number;
  /** Default: a new `MemoryRateLimitStore`. */
  store?: RateLimitStore;
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
  check(ip: string, call?: AuthLockoutCallOptions): Promise<AuthLockoutDecision>;
  recordFailure(ip: string, call?: AuthLockoutCallOptions): Promise<FailureOutcome>;
  recordSuccess(ip: string): Promise<void>;
}

const failuresKey = (ip: string): string => `lockout:failures:${ip}`;
const untilKey = (ip: string): string => `lockout:until:${ip}`;

export function createAuthLockout(opts: AuthLockoutOptions = {}): AuthLockout {
  const maxFailures = positiveInt("maxFailures", opts.maxFailures ?? DEFAULT_AUTH_LOCKOUT.maxFailures);
  const windowMs = positiveInt("windowMs", opts.windowMs ?? DEFAULT_AUTH_LOCKOUT.windowMs);
  const lockoutMs = positiveInt("lockoutMs", opts.lockoutMs ?? DEFAULT_AUTH_LOCKOUT.lockoutMs);
  const clock = opts.clock ?? monotonicClock;
  const isLoopback = opts.isLoopback ?? (() => false);
  const store = opts.store ?? new MemoryRateLimitStore({ maxKeys: opts.maxKeys ?? DEFAULT_STORE_MAX_KEYS, sweepIntervalMs: windowMs });
  const exempt = (ip: string, call: AuthLockoutCallOptions | undefined): boolean =>
    call?.exemptLoopback === true && isLoopback(ip);

  return {
    async check(ip, call) {
      if (exempt(ip, call)) return { ok: true };
      const now = clock.now();
      const lock = await store.peek(untilKey(ip), now);
      if (lock !== undefined) return { ok: false, retryAfterMs: lock.resetAtMs - now };
      return { ok: true };
    },
    async recordFailure(ip, call) {
      if (exempt(ip, call)) return { lockedOut: false, justLockedOut: false, failures: 0 };
      const now = clock.now();
      const lock = await store.peek(untilKey(ip), now);
      if (lock !== undefined) return { lockedOut: true, justLockedOut: false, retryAfterMs: lock.resetAtMs - now, failures: 0 };
      const { count } = await store.hit(failuresKey(ip), windowMs, now);
      if (count < maxFailures) return { lockedOut: false, justLockedOut: false, failures: count };
      // Lock first, then forget the count: there is no moment with neither.
      await store.set(untilKey(ip), { count: 1, resetAtMs: now + lockoutMs }, now);
      await store.reset(failuresKey(ip));
      return { lockedOut: true, justLockedOut: true, retryAfterMs: lockoutMs, failures: 0 };
    },
    async recordSuccess(ip) {
      await Promise.all([store.reset(failuresKey(ip)), store.reset(untilKey(ip))]);
    },
  };
}
