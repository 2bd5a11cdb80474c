import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
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
