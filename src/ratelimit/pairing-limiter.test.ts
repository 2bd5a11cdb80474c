import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../core/clock.js";
import { createPairingLimiter } from "./pairing-limiter.js";
import type { PairingDecision } from "./pairing-limiter.js";

const OK: PairingDecision = { ok: true };

test("rate: maxAttempts per window per channel, across addresses", async () => {
  const clock = new FakeClock(0);
  const p = createPairingLimiter({ maxAttempts: 3, windowMs: 1000, clock });
  for (let i = 0; i < 3; i++) assert.deepEqual(await p.check({ channel: "tg", ip: `10.0.0.${i}` }), OK);
  clock.advance(200);
  assert.deepEqual(await p.check({ channel: "tg", ip: "10.0.0.9" }), { ok: false, reason: "rate", retryAfterMs: 800 });
  assert.deepEqual(await p.check({ channel: "other", ip: "10.0.0.9" }), OK, "another channel is unaffected");
  clock.advance(800);
  assert.deepEqual(await p.check({ channel: "tg", ip: "10.0.0.9" }), OK);
});

test("rate: maxAttempts per window per address, across channels", async () => {
  const clock = new FakeClock(0);
  const p = createPairingLimiter({ maxAttempts: 2, windowMs: 1000, clock });
  assert.deepEqual(await p.check({ channel: "a", ip: "1.1.1.1" }), OK);
  assert.deepEqual(await p.check({ channel: "b", ip: "1.1.1.1" }), OK);
  assert.deepEqual(await p.check({ channel: "c", ip: "1.1.1.1" }), { ok: false, reason: "rate", retryAfterMs: 1000 });
  // the refused attempt did not use up channel "c"
  assert.deepEqual(await p.check({ channel: "c", ip: "2.2.2.2" }), OK);
  assert.deepEqual(await p.check({ channel: "c", ip: "3.3.3.3" }), OK);
  assert.equal((await p.check({ channel: "c", ip: "4.4.4.4" })).ok, false);
});

test("backoff doubles per failure up to the cap, and success resets it", async () => {
  const clock = new FakeClock(0);
  const p = createPairingLimiter({ maxAttempts: 1000, backoffBaseMs: 1000, backoffMaxMs: 5000, clock });
  const s = { channel: "tg", ip: "1.1.1.1" };
  const expected = [1000, 2000, 4000, 5000, 5000];
  for (const want of expected) {
    assert.deepEqual(await p.check(s), OK);
    assert.deepEqual(await p.recordFailure(s), { backoffMs: want });
    assert.deepEqual(await p.check(s), { ok: false, reason: "backoff", retryAfterMs: want });
    clock.advance(want - 1);
    assert.equal((await p.check(s)).ok, false);
    clock.advance(1);
  }
  await p.recordSuccess(s);
  assert.deepEqual(await p.check(s), OK);
  assert.deepEqual(await p.recordFailure(s), { backoffMs: 1000 });
});

test("backoff applies per channel and per address", async () => {
  const clock = new FakeClock(0);
  const p = createPairingLimiter({ clock });
  await p.recordFailure({ channel: "tg", ip: "1.1.1.1" });
  await p.recordFailure({ channel: "tg", ip: "1.1.1.1" });
  const cases: [string, string, string, PairingDecision][] = [
    ["same channel, new address", "tg", "9.9.9.9", { ok: false, reason: "backoff", retryAfterMs: 2000 }],
    ["same address, new channel", "sl", "1.1.1.1", { ok: false, reason: "backoff", retryAfterMs: 2000 }],
    ["unrelated", "sl", "9.9.9.9", OK],
  ];
  for (const [name, channel, ip, want] of cases) assert.deepEqual(await p.check({ channel, ip }), want, name);
});

test("a failure streak is forgotten after backoffResetMs", async () => {
  const clock = new FakeClock(0);
  const p = createPairingLimiter({ backoffBaseMs: 1000, backoffMaxMs: 8000, backoffResetMs: 60_000, clock });
  const s = { channel: "tg", ip: "1.1.1.1" };
  await p.recordFailure(s);
  await p.recordFailure(s);
  clock.advance(59_999);
  assert.deepEqual(await p.recordFailure(s), { backoffMs: 4000 });
  clock.advance(60_000);
  assert.deepEqual(await p.recordFailure(s), { backoffMs: 1000 });
});

test("the longer of rate and backoff wins", async () => {
  const clock = new FakeClock(0);
  const p = createPairingLimiter({ maxAttempts: 1, windowMs: 10_000, backoffBaseMs: 1000, clock });
  const s = { channel: "tg", ip: "1.1.1.1" };
  assert.deepEqual(await p.check(s), OK);
  await p.recordFailure(s);
  assert.deepEqual(await p.check(s), { ok: false, reason: "rate", retryAfterMs: 10_000 });
});

test("defaults: 10 attempts per minute", async () => {
  const clock = new FakeClock(0);
  const p = createPairingLimiter({ clock });
  for (let i = 0; i < 10; i++) assert.deepEqual(await p.check({ channel: "c", ip: `1.1.1.${i}` }), OK);
  assert.deepEqual(await p.check({ channel: "c", ip: "2.2.2.2" }), { ok: false, reason: "rate", retryAfterMs: 60_000 });
  assert.deepEqual(await p.recordFailure({ channel: "d", ip: "3.3.3.3" }), { backoffMs: 1000 });
});

test("many failures never overflow the cap", async () => {
  const clock = new FakeClock(0);
  const p = createPairingLimiter({ clock });
  let last = 0;
  for (let i = 0; i < 200; i++) last = (await p.recordFailure({ channel: "c", ip: "1.1.1.1" })).backoffMs;
  assert.equal(last, 300_000);
});

test("invalid options are refused", () => {
  assert.throws(() => createPairingLimiter({ maxAttempts: 0 }), RangeError);
  assert.throws(() => createPairingLimiter({ backoffBaseMs: 10, backoffMaxMs: 5 }), RangeError);
});
