import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { AuditInput } from "../core/audit-types.js";
import { buildRecord, canonicalRecord, chainRecord } from "./audit-record.js";
import { canonicalJson } from "./canonical-json.js";
import { recomputeHash } from "./hash-chain.js";

const inputArb: fc.Arbitrary<AuditInput> = fc.record({
  type: fc.constantFrom("auth.login", "auth.failure", "rbac.denied", "x-y_z.v2"),
  actor: fc.record(
    {
      type: fc.constantFrom("user", "device", "anonymous", "system"),
      id: fc.string({ unit: "binary", maxLength: 40 }),
      remoteIp: fc.string({ maxLength: 40 }),
    },
    { requiredKeys: ["type", "id"] },
  ),
  outcome: fc.constantFrom("success", "failure", "denied", "pending"),
  metadata: fc.dictionary(fc.string({ unit: "binary", maxLength: 12 }), fc.jsonValue({ maxDepth: 3 })),
}) as fc.Arbitrary<AuditInput>;

test("the hot-path canonical form equals the generic one, and lines re-verify after parsing", () => {
  fc.assert(
    fc.property(inputArb, fc.stringMatching(/^[0-9a-f]{64}$/), (input, prev) => {
      const rec = buildRecord(input, 1_700_000_000_000);
      assert.equal(canonicalRecord(rec, prev), canonicalJson({ ...rec, prevHash: prev }));
      const { text, hash } = chainRecord(rec, prev);
      const parsed = JSON.parse(text) as Record<string, unknown>;
      assert.equal(recomputeHash(parsed), hash);
      assert.equal(parsed.hash, hash);
    }),
    { numRuns: 300 },
  );
});
