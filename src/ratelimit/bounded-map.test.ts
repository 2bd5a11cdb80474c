import { test } from "node:test";
import assert from "node:assert/strict";
import { BoundedMap } from "./bounded-map.js";

interface E {
  until: number;
  locked?: boolean;
}

const make = (maxKeys: number) =>
  new BoundedMap<E>({
    maxKeys,
    sweepIntervalMs: 1000,
    isExpired: (e, now) => now >= e.until,
    isProtected: (e) => e.locked === true,
  });

test("get hides and removes expired entries", () => {
  const m = make(10);
  m.set("a", { until: 100 }, 0);
  assert.deepEqual(m.get("a", 99), { until: 100 });
  assert.equal(m.get("a", 100), undefined);
  assert.equal(m.size, 0);
});

test("never holds more than maxKeys; expired entries go first", () => {
  const m = make(3);
  m.set("old", { until: 10 }, 0);
  m.set("b", { until: 1000 }, 0);
  m.set("c", { until: 1000 }, 0);
  m.set("d", { until: 1000 }, 50); // "old" has expired: swept, nothing live evicted
  assert.equal(m.size, 3);
  assert.ok(m.get("b", 50));
  m.set("e", { until: 1000 }, 60); // full of live entries: oldest ("b") evicted
  assert.equal(m.size, 3);
  assert.equal(m.get("b", 60), undefined);
  for (const k of ["c", "d", "e"]) assert.ok(m.get(k, 60), k);
});

test("set moves a key to the back of the eviction order", () => {
  const m = make(2);
  m.set("a", { until: 1000 }, 0);
  m.set("b", { until: 1000 }, 0);
  m.set("a", { until: 1000 }, 1);
  m.set("c", { until: 1000 }, 2);
  assert.ok(m.get("a", 2));
  assert.equal(m.get("b", 2), undefined);
});

test("protected entries survive eviction while an unprotected one exists", () => {
  const m = make(3);
  m.set("locked1", { until: 1000, locked: true }, 0);
  m.set("locked2", { until: 1000, locked: true }, 0);
  m.set("plain", { until: 1000 }, 0);
  m.set("new", { until: 1000 }, 1);
  assert.ok(m.get("locked1", 1));
  assert.ok(m.get("locked2", 1));
  assert.equal(m.get("plain", 1), undefined);
  m.set("new2", { until: 1000 }, 2); // only "new" is unprotected
  assert.equal(m.get("new", 2), undefined);
  assert.equal(m.size, 3);
});

test("all protected: the oldest is evicted so the bound still holds", () => {
  const m = make(2);
  m.set("a", { until: 1000, locked: true }, 0);
  m.set("b", { until: 1000, locked: true }, 0);
  m.set("c", { until: 1000, locked: true }, 0);
  assert.equal(m.size, 2);
  assert.equal(m.get("a", 0), undefined);
});

test("periodic sweep drops expired entries without touching them", () => {
  const m = make(100);
  for (let i = 0; i < 50; i++) m.set(`k${i}`, { until: 10 }, 0);
  m.get("anything", 0); // first call sweeps; next sweep due at 1000
  m.get("anything", 500);
  assert.equal(m.size, 50);
  m.get("anything", 1000);
  assert.equal(m.size, 0);
});

test("rejects a non-positive bound", () => {
  assert.throws(() => make(0), RangeError);
});
