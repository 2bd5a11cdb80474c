import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryRateLimitStore } from "./store.js";

test("fixed window: counts within a window, reopens after it", async () => {
  const s = new MemoryRateLimitStore();
  const steps: [string, number, number, number][] = [
    // key, now, want count, want resetAt
    ["a", 0, 1, 1000],
    ["a", 10, 2, 1000],
    ["b", 10, 1, 1010],
    ["a", 999, 3, 1000],
    ["a", 1000, 1, 2000],
    ["a", 1500, 2, 2000],
    ["b", 1500, 1, 2500],
  ];
  for (const [key, now, count, resetAtMs] of steps) {
    assert.deepEqual(await s.hit(key, 1000, now), { count, resetAtMs }, `${key}@${now}`);
  }
});

test("reset forgets a key", async () => {
  const s = new MemoryRateLimitStore();
  await s.hit("a", 1000, 0);
  await s.hit("a", 1000, 1);
  await s.reset("a");
  assert.deepEqual(await s.hit("a", 1000, 2), { count: 1, resetAtMs: 1002 });
});

test("memory is bounded by maxKeys", async () => {
  const s = new MemoryRateLimitStore({ maxKeys: 100 });
  for (let i = 0; i < 1000; i++) await s.hit(`k${i}`, 60_000, i);
  assert.equal(s.size, 100);
  // the newest keys are still counted
  assert.equal((await s.hit("k999", 60_000, 1000)).count, 2);
});

test("expired windows are swept", async () => {
  const s = new MemoryRateLimitStore({ maxKeys: 100, sweepIntervalMs: 1000 });
  for (let i = 0; i < 50; i++) await s.hit(`k${i}`, 100, 0);
  await s.hit("late", 100, 5000);
  assert.equal(s.size, 1);
});

test("peek reads without counting; set holds a value until it ends", async () => {
  const s = new MemoryRateLimitStore();
  const steps: [string, () => Promise<unknown>, unknown][] = [
    // name, operation, want
    ["absent", () => s.peek("a", 0), undefined],
    ["hit", () => s.hit("a", 1000, 0), { count: 1, resetAtMs: 1000 }],
    ["peek does not count", () => s.peek("a", 10), { count: 1, resetAtMs: 1000 }],
    ["peek again", () => s.peek("a", 20), { count: 1, resetAtMs: 1000 }],
    ["expired", () => s.peek("a", 1000), undefined],
    ["set", () => s.set("lock", { count: 1, resetAtMs: 5000 }, 0), undefined],
    ["held", () => s.peek("lock", 4999), { count: 1, resetAtMs: 5000 }],
    ["ended", () => s.peek("lock", 5000), undefined],
    ["set in the past removes", () => s.set("a", { count: 7, resetAtMs: 5000 }, 6000), undefined],
    ["removed", () => s.peek("a", 6000), undefined],
  ];
  for (const [name, op, want] of steps) assert.deepEqual(await op(), want, name);
});

test("renew: each hit restarts the window", async () => {
  const s = new MemoryRateLimitStore();
  const steps: [number, number, number][] = [
    // now, want count, want resetAt
    [0, 1, 1000],
    [900, 2, 1900],
    [1800, 3, 2800],
    [2800, 1, 3800],
  ];
  for (const [now, count, resetAtMs] of steps) {
    assert.deepEqual(await s.hit("streak", 1000, now, { renew: true }), { count, resetAtMs }, `@${now}`);
  }
});

test("a full store evicts counters before held values", async () => {
  const s = new MemoryRateLimitStore({ maxKeys: 10 });
  await s.set("lock", { count: 1, resetAtMs: 60_000 }, 0);
  for (let i = 0; i < 100; i++) await s.hit(`k${i}`, 60_000, 0);
  assert.equal(s.size, 10);
  assert.deepEqual(await s.peek("lock", 1), { count: 1, resetAtMs: 60_000 });
  assert.equal(await s.peek("k0", 1), undefined, "the oldest counter went");
});
