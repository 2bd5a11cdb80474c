import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../core/clock.js";
import { createRequestLimiter } from "./request-limiter.js";
import type { RequestDecision } from "./request-limiter.js";
import type { RateLimitStore } from "./store.js";

test("allows maxRequests per window, then refuses until the window ends", async () => {
  const clock = new FakeClock(0);
  const limiter = createRequestLimiter({ windowMs: 1000, maxRequests: 3, clock });
  const steps: [number, string, RequestDecision][] = [
    [0, "a", { ok: true, remaining: 2 }],
    [100, "a", { ok: true, remaining: 1 }],
    [200, "a", { ok: true, remaining: 0 }],
    [300, "a", { ok: false, retryAfterMs: 700, firstInWindow: true }],
    [400, "b", { ok: true, remaining: 2 }],
    [900, "a", { ok: false, retryAfterMs: 100, firstInWindow: false }],
    [999, "a", { ok: false, retryAfterMs: 1, firstInWindow: false }],
    [1000, "a", { ok: true, remaining: 2 }],
    [1001, "a", { ok: true, remaining: 1 }],
    [1002, "a", { ok: true, remaining: 0 }],
    [1003, "a", { ok: false, retryAfterMs: 997, firstInWindow: true }],
  ];
  let t = 0;
  for (const [at, key, want] of steps) {
    clock.advance(at - t);
    t = at;
    assert.deepEqual(await limiter.check(key), want, `${key}@${at}`);
  }
});

test("defaults: 100 requests per 60 s", async () => {
  const clock = new FakeClock(0);
  const limiter = createRequestLimiter({ clock });
  for (let i = 0; i < 100; i++) assert.equal((await limiter.check("k")).ok, true);
  assert.deepEqual(await limiter.check("k"), { ok: false, retryAfterMs: 60_000, firstInWindow: true });
});

test("disabled: everything passes and the store is not touched", async () => {
  let hits = 0;
  const store: RateLimitStore = {
    hit: async () => {
      hits++;
      return { count: 1_000_000, resetAtMs: 0 };
    },
    peek: async () => undefined,
    set: async () => {},
    reset: async () => {},
  };
  const limiter = createRequestLimiter({ enabled: false, maxRequests: 1, store });
  for (let i = 0; i < 5; i++) assert.deepEqual(await limiter.check("k"), { ok: true, remaining: Infinity });
  assert.equal(hits, 0);
});

test("uses the injected store (shared-store seam)", async () => {
  const seen: [string, number, number][] = [];
  const store: RateLimitStore = {
    hit: async (key, windowMs, now) => {
      seen.push([key, windowMs, now]);
      return { count: 7, resetAtMs: now + 10 };
    },
    peek: async () => undefined,
    set: async () => {},
    reset: async () => {},
  };
  const limiter = createRequestLimiter({ maxRequests: 6, windowMs: 500, store, clock: new FakeClock(42) });
  assert.deepEqual(await limiter.check("ip:1.2.3.4"), { ok: false, retryAfterMs: 10, firstInWindow: true });
  assert.deepEqual(seen, [["ip:1.2.3.4", 500, 42]]);
});

test("invalid limits are refused at construction", () => {
  for (const bad of [{ windowMs: 0 }, { maxRequests: -1 }, { maxRequests: 1.5 }, { windowMs: Number.NaN }]) {
    assert.throws(() => createRequestLimiter(bad), RangeError, JSON.stringify(bad));
  }
});
