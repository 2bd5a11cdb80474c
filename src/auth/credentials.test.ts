import assert from "node:assert/strict";
import { test } from "node:test";
import { generateDeviceToken, generateToken } from "./credentials.js";

test("generated tokens never begin with '-' (deterministic: the first draw would)", () => {
  // 0xf8 → first base64url sextet 62 → "-".
  const draws = [Buffer.alloc(32, 0xf8), Buffer.alloc(32, 0xfb), Buffer.alloc(32, 0x41)];
  let n = 0;
  const t = generateDeviceToken(() => draws[n++] as Buffer);
  assert.equal(n, 3, "both draws beginning with '-' were refused");
  assert.equal(t, Buffer.alloc(32, 0x41).toString("base64url"));
  assert.ok(Buffer.alloc(32, 0xf8).toString("base64url").startsWith("-"), "the fixture really begins with '-'");
  for (let i = 0; i < 200; i++) {
    assert.ok(!generateDeviceToken().startsWith("-"));
    // Gateway tokens are standard base64 (like openssl rand -base64 32): "-" is not in its alphabet.
    assert.match(generateToken(), /^[A-Za-z0-9+/]{43}=$/);
  }
});
