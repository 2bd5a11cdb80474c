import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FakeClock } from "../core/clock.js";
import { createConnectionBudget } from "./connection-budget.js";
import type { Lease } from "./connection-budget.js";

test("per-address cap applies to unauthenticated connections only", () => {
  const b = createConnectionBudget({ maxConnections: 10, maxUnauthenticatedPerIp: 2 });
  const a1 = b.tryAcquire("1.1.1.1");
  const a2 = b.tryAcquire("1.1.1.1");
  assert.ok(a1 && a2);
  assert.deepEqual(b.acquire("1.1.1.1"), { ok: false, reason: "max_unauthenticated_per_ip" });
  assert.ok(b.tryAcquire("2.2.2.2"), "another address is unaffected");
  a1.authenticated();
  const a3 = b.tryAcquire("1.1.1.1");
  assert.ok(a3, "an authenticated connection frees a per-address slot");
  assert.equal(b.tryAcquire("1.1.1.1"), null);
  a2.release();
  assert.ok(b.tryAcquire("1.1.1.1"));
  assert.deepEqual(b.stats(), { total: 4, unauthenticated: 3, addresses: 2 });
});

test("total cap counts authenticated connections too", () => {
  const b = createConnectionBudget({ maxConnections: 3, maxUnauthenticatedPerIp: 3 });
  const leases = ["a", "b", "c"].map((ip) => b.tryAcquire(ip) as Lease);
  leases.forEach((l) => l.authenticated());
  assert.deepEqual(b.acquire("d"), { ok: false, reason: "max_connections" });
  leases[0]?.release();
  assert.ok(b.tryAcquire("d"));
});

test("release and authenticated are idempotent", () => {
  const b = createConnectionBudget({ maxConnections: 2, maxUnauthenticatedPerIp: 1 });
  const l = b.tryAcquire("x") as Lease;
  l.authenticated();
  l.authenticated();
  l.release();
  l.release();
  l.authenticated();
  assert.deepEqual(b.stats(), { total: 0, unauthenticated: 0, addresses: 0 });
  const l2 = b.tryAcquire("x") as Lease;
  l2.release();
  l2.release();
  assert.deepEqual(b.stats(), { total: 0, unauthenticated: 0, addresses: 0 });
});

test("defaults: 50 total, 10 unauthenticated per address", () => {
  const b = createConnectionBudget();
  for (let i = 0; i < 10; i++) assert.ok(b.tryAcquire("same"));
  assert.equal(b.tryAcquire("same"), null);
  for (let i = 0; i < 40; i++) assert.ok(b.tryAcquire(`ip${i}`));
  assert.deepEqual(b.acquire("other"), { ok: false, reason: "max_connections" });
});

test("invalid caps are refused", () => {
  assert.throws(() => createConnectionBudget({ maxConnections: 0 }), RangeError);
  assert.throws(() => createConnectionBudget({ maxUnauthenticatedPerIp: 2.5 }), RangeError);
});

test("property: counters match the live leases after any sequence of operations", () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant("acquire" as const), ip: fc.constantFrom("a", "b", "c") }),
    fc.record({ kind: fc.constantFrom("auth" as const, "release" as const), n: fc.nat(20) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const b = createConnectionBudget({ maxConnections: 5, maxUnauthenticatedPerIp: 2 });
      const leases: { lease: Lease; auth: boolean; live: boolean }[] = [];
      for (const o of ops) {
        if (o.kind === "acquire") {
          const l = b.tryAcquire(o.ip);
          if (l) leases.push({ lease: l, auth: false, live: true });
        } else if (leases.length > 0) {
          const rec = leases[o.n % leases.length]!;
          if (o.kind === "auth") {
            rec.lease.authenticated();
            if (rec.live) rec.auth = true;
          } else {
            rec.lease.release();
            rec.live = false;
          }
        }
        const live = leases.filter((l) => l.live);
        const unauth = live.filter((l) => !l.auth);
        const s = b.stats();
        assert.equal(s.total, live.length);
        assert.equal(s.unauthenticated, unauth.length);
        assert.equal(s.addresses, new Set(unauth.map((l) => l.lease.ip)).size);
        assert.ok(s.total <= 5);
        for (const ip of ["a", "b", "c"]) assert.ok(unauth.filter((l) => l.lease.ip === ip).length <= 2);
      }
    }),
    { numRuns: 300 },
  );
});

test("maxPerIp caps all connections of one address, authenticated or not; shared (proxy) connections are exempt", () => {
  const b = createConnectionBudget({ maxConnections: 10, maxUnauthenticatedPerIp: 10, maxPerIp: 2 });
  const a = b.tryAcquire("1.1.1.1") as Lease;
  a.authenticated();
  assert.ok(b.tryAcquire("1.1.1.1"));
  assert.deepEqual(b.acquire("1.1.1.1"), { ok: false, reason: "max_per_ip" });
  for (let i = 0; i < 3; i++) assert.ok(b.acquire("10.0.0.1", { shared: true }).ok);
});

test("the unauthenticated budget keeps the rest of maxConnections for authenticated connections", () => {
  const clock = new FakeClock();
  const b = createConnectionBudget({ maxConnections: 6, maxUnauthenticatedPerIp: 2, maxUnauthenticated: 4, clock });
  for (const ip of ["a", "a", "b", "b"]) assert.ok(b.tryAcquire(ip));
  assert.deepEqual(b.acquire("c"), { ok: false, reason: "max_unauthenticated" }, "a fresh flood is not evicted");
  // Authenticated connections still fit: they were admitted earlier (two slots are theirs alone).
  assert.equal(b.stats().total, 4);
});

test("under pressure an aged unauthenticated connection of the busiest address gives way to a newcomer", () => {
  const clock = new FakeClock();
  const b = createConnectionBudget({ maxConnections: 50, maxUnauthenticatedPerIp: 3, maxUnauthenticated: 4, pressureTimeoutMs: 2000, clock });
  const evicted: string[] = [];
  const open = (ip: string, tag: string) => b.acquire(ip, { onEvict: () => evicted.push(tag) });
  assert.ok(open("quiet", "quiet-1").ok);
  clock.advance(10);
  for (const tag of ["flood-1", "flood-2", "flood-3"]) assert.ok(open("flood", tag).ok);
  assert.equal(open("new", "new-1").ok, false, "nobody is old enough yet");
  clock.advance(2000);
  const r = open("new", "new-1");
  assert.ok(r.ok);
  assert.equal(r.ok && r.evicted, "flood");
  assert.deepEqual(evicted, ["flood-1"], "the busiest address gives way, oldest first, not the older quiet one");
  // An address never pushes out one that holds no more than it does.
  assert.ok(open("new", "new-2").ok);
  assert.deepEqual(evicted, ["flood-1", "flood-2"]);
  const third = open("new", "new-3");
  assert.equal(third.ok, false, "new holds 2, flood and quiet hold 1 each");
  assert.deepEqual(b.stats(), { total: 4, unauthenticated: 4, addresses: 3 });
});

test("when the total is full of authenticated connections nobody is evicted", () => {
  const clock = new FakeClock();
  const b = createConnectionBudget({ maxConnections: 2, maxUnauthenticatedPerIp: 2, pressureTimeoutMs: 1, clock });
  for (const ip of ["a", "b"]) (b.tryAcquire(ip) as Lease).authenticated();
  clock.advance(100);
  assert.deepEqual(b.acquire("c"), { ok: false, reason: "max_connections" });
});
