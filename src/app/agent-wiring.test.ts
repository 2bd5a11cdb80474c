import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { capForModel, scrubKeys } from "./agent-wiring.js";

describe("capForModel", () => {
  it("keeps short output and cuts long output on a character boundary with a note", () => {
    assert.equal(capForModel("short", 100), "short");
    const cut = capForModel("é".repeat(100), 51); // 2 bytes each: 25 whole characters fit
    assert.ok(cut.startsWith("é".repeat(25)));
    assert.ok(!cut.includes("\uFFFD"));
    assert.match(cut, /\[output truncated: 51 of 200 bytes shown/);
  });
});

describe("scrubKeys", () => {
  it("removes every configured key, wherever it appears", () => {
    const key = "-sk-test-key-0123456789";
    const models = { a: { apiKey: key }, b: {} } as never;
    assert.equal(scrubKeys(`Incorrect API key provided: ${key} (twice: ${key})`, models), "Incorrect API key provided: [redacted] (twice: [redacted])");
  });
});
