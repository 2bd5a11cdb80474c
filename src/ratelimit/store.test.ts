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
