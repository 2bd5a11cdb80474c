import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createCommandSlots } from "./command-slots.js";

describe("command slots", () => {
  const caps = { maxConcurrent: 3, maxConcurrentPerPrincipal: 2 };

  it("refuses a principal over its share before the gateway cap, and frees slots on release (once)", () => {
    const slots = createCommandSlots();
    const a1 = slots.acquire("alice", caps);
    const a2 = slots.acquire("alice", caps);
    assert.ok(a1.ok && a2.ok);
    assert.deepEqual(slots.acquire("alice", caps), { ok: false, refusal: { scope: "principal", limit: 2 } });
    const b1 = slots.acquire("bob", caps);
    assert.ok(b1.ok);
    assert.deepEqual(slots.acquire("bob", caps), { ok: false, refusal: { scope: "gateway", limit: 3 } });
    a1.release();
    a1.release(); // idempotent: frees one slot, not two
    assert.deepEqual(slots.running(), { total: 2, principals: 2 });
    assert.ok(slots.acquire("bob", caps).ok);
    assert.equal(slots.acquire("carol", caps).ok, false);
  });

  it("applies caps given at acquire time (a reload lowers them for the next command)", () => {
    const slots = createCommandSlots();
    assert.ok(slots.acquire("alice", caps).ok);
    assert.deepEqual(slots.acquire("bob", { maxConcurrent: 1, maxConcurrentPerPrincipal: 5 }), { ok: false, refusal: { scope: "gateway", limit: 1 } });
  });
});
