import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../core/clock.js";
import { createAuthLockout } from "./auth-lockout.js";
import { createPairingLimiter } from "./pairing-limiter.js";
import { createRequestLimiter } from "./request-limiter.js";
import { MemoryRateLimitStore } from "./store.js";

test("limiters sharing one store keep their counters apart", async () => {
  const clock = new FakeClock(0);
  const store = new MemoryRateLimitStore();
  const requests = createRequestLimiter({ maxRequests: 1, store, clock });
  const lockout = createAuthLockout({ maxFailures: 1, store, clock });
  const pairing = createPairingLimiter({ maxAttempts: 1, store, clock });
  const ip = "203.0.113.7";
  // Exhaust each limiter for the same address, as the gateway keys them.
  assert.equal((await requests.check(`ip:${ip}`)).ok, true);
  assert.equal((await requests.check(`ip:${ip}`)).ok, false);
  assert.equal((await lockout.recordFailure(ip)).justLockedOut, true);
  assert.deepEqual(await pairing.check({ channel: "device:d1", ip }), { ok: true });
  // Each refuses on its own count only.
  assert.deepEqual(await pairing.check({ channel: "device:d2", ip }), { ok: false, reason: "rate", retryAfterMs: 60_000 });
  assert.equal((await pairing.peek({ channel: "device:d3", ip: "198.51.100.1" })).ok, true);
  assert.equal((await lockout.check("198.51.100.1")).ok, true);
  assert.equal((await requests.check("ip:198.51.100.1")).ok, true);
  await pairing.recordSuccess({ channel: "device:d1", ip });
  assert.equal((await lockout.check(ip)).ok, false, "a pairing success does not lift a lockout");
  assert.equal((await requests.check(`ip:${ip}`)).ok, false);
  // request windows (2), the lockout (its failure count is gone), pairing attempts on channel and address
  assert.equal(store.size, 5);
});
