import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../core/clock.js";
import { createAuthLockout } from "./auth-lockout.js";

const loopback = (ip: string) => ip === "127.0.0.1" || ip === "::1";

test("locks out after maxFailures within the window, for lockoutMs", async () => {
  const clock = new FakeClock(0);
  const l = createAuthLockout({ maxFailures: 3, windowMs: 1000, lockoutMs: 5000, clock });
  assert.deepEqual(await l.recordFailure("a"), { lockedOut: false, justLockedOut: false, failures: 1 });
  clock.advance(100);
  assert.deepEqual(await l.recordFailure("a"), { lockedOut: false, justLockedOut: false, failures: 2 });
  assert.deepEqual(await l.check("a"), { ok: true });
  clock.advance(100);
  assert.deepEqual(await l.recordFailure("a"), { lockedOut: true, justLockedOut: true, retryAfterMs: 5000, failures: 0 });
  assert.deepEqual(await l.check("b"), { ok: true }, "other addresses unaffected");
  clock.advance(1000);
  assert.deepEqual(await l.check("a"), { ok: false, retryAfterMs: 4000 });
  assert.deepEqual(await l.recordFailure("a"), { lockedOut: true, justLockedOut: false, retryAfterMs: 4000, failures: 0 });
  clock.advance(4000);
  assert.deepEqual(await l.check("a"), { ok: true });
  assert.deepEqual(await l.recordFailure("a"), { lockedOut: false, justLockedOut: false, failures: 1 });
});

test("failures spread over more than one window do not lock", async () => {
  const clock = new FakeClock(0);
  const l = createAuthLockout({ maxFailures: 3, windowMs: 1000, lockoutMs: 5000, clock });
  const outcomes: boolean[] = [];
  for (let i = 0; i < 10; i++) {
    outcomes.push((await l.recordFailure("a")).lockedOut);
    clock.advance(600);
  }
  assert.deepEqual(outcomes, Array(10).fill(false));
  assert.deepEqual(await l.check("a"), { ok: true });
});

test("success clears the count", async () => {
  const clock = new FakeClock(0);
  const l = createAuthLockout({ maxFailures: 2, clock });
  await l.recordFailure("a");
  await l.recordSuccess("a");
  assert.equal((await l.recordFailure("a")).lockedOut, false);
  assert.equal((await l.recordFailure("a")).lockedOut, true);
});

test("defaults: 10 failures per minute, 5 minute lockout", async () => {
  const clock = new FakeClock(0);
  const l = createAuthLockout({ clock });
  for (let i = 0; i < 9; i++) assert.equal((await l.recordFailure("a")).lockedOut, false);
  assert.equal((await l.recordFailure("a")).justLockedOut, true);
  assert.deepEqual(await l.check("a"), { ok: false, retryAfterMs: 300_000 });
});

test("loopback is exempt only when the caller says so", async () => {
  const clock = new FakeClock(0);
  const l = createAuthLockout({ maxFailures: 1, clock, isLoopback: loopback });
  const cases: [string, string, boolean | undefined, boolean][] = [
    // name, ip, exemptLoopback, locked after one failure
    ["local tool", "127.0.0.1", true, false],
    ["browser from loopback", "::1", false, true],
    ["caller silent", "127.0.0.1", undefined, true],
    ["remote asking for exemption", "203.0.113.1", true, true],
  ];
  for (const [name, ip, exemptLoopback, locked] of cases) {
    const call = exemptLoopback === undefined ? undefined : { exemptLoopback };
    await l.recordFailure(ip, call);
    assert.equal((await l.check(ip, call)).ok, !locked, name);
    await l.recordSuccess(ip);
  }
  // a locked-out loopback address is still refused to browser requests
  await l.recordFailure("127.0.0.1", { exemptLoopback: false });
  assert.equal((await l.check("127.0.0.1", { exemptLoopback: false })).ok, false);
  assert.equal((await l.check("127.0.0.1", { exemptLoopback: true })).ok, true);
});

test("without isLoopback nothing is exempt", async () => {
  const l = createAuthLockout({ maxFailures: 1, clock: new FakeClock(0) });
  await l.recordFailure("127.0.0.1", { exemptLoopback: true });
  assert.equal((await l.check("127.0.0.1", { exemptLoopback: true })).ok, false);
});

test("flooding with new addresses does not free a locked-out one", async () => {
  const clock = new FakeClock(0);
  // decoys with one failure each are not locked, so they are evicted first
  const l = createAuthLockout({ maxFailures: 2, lockoutMs: 60_000, maxKeys: 50, clock });
  await l.recordFailure("attacker");
  await l.recordFailure("attacker");
  for (let i = 0; i < 1000; i++) await l.recordFailure(`decoy${i}`);
  assert.equal((await l.check("attacker")).ok, false);
});

test("invalid options are refused", () => {
  assert.throws(() => createAuthLockout({ maxFailures: 0 }), RangeError);
  assert.throws(() => createAuthLockout({ lockoutMs: -5 }), RangeError);
});
