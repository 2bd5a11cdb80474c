import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { weakSecretReason } from "./weak-secret.js";
import type { WeakReason } from "./weak-secret.js";

describe("weakSecretReason", () => {
  const cases: [string, WeakReason | undefined][] = [
    ["changeme", "dictionary"],
    ["CHANGEME", "dictionary"],
    ["changemechangeme", "dictionary"],
    ["password", "dictionary"],
    ["Password123!", "dictionary"],
    ["secret-token-for-testing", "dictionary"],
    ["test_token_0000000000000000", "dictionary"],
    ["admin", "dictionary"],
    ["clawdbot-gateway-token", "dictionary"],
    ["OpenClaw2024", "dictionary"],
    ["my-api-key-here", "dictionary"],
    ["12345678", "sequence"],
    ["1234567890123456", "sequence"],
    ["abcdefghijklmnopq", "sequence"],
    ["zyxwvuts", "sequence"],
    ["qwertyuiopqwertyuiop", "sequence"],
    ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "repeated"],
    ["xyxyxyxyxyxyxyxy", "repeated"],
    ["----------------", "repeated"],
    ["correct horse battery staple", undefined],
    ["k3J9-pQ2z-Lw8x-Vb7n", undefined],
    ["0f8e2c71d94b", undefined],
    ["9148203947561038", undefined],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} → ${expected ?? "not weak"}`, () => {
      assert.equal(weakSecretReason(value), expected);
    });
  }

  it("does not flag generated tokens (openssl rand -base64 32)", () => {
    for (let i = 0; i < 500; i++) assert.equal(weakSecretReason(randomBytes(32).toString("base64")), undefined);
  });
});
