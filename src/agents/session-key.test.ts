import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseSessionKey } from "./session-key.js";

describe("parseSessionKey", () => {
  const ok: [string, string][] = [
    ["main", "agent:main:main"],
    ["x", "agent:main:x"],
    ["agent:ops:main", "agent:ops:main"],
    ["agent:ops", "agent:ops:main"],
    ["agent:main:telegram:dm:123", "agent:main:telegram:dm:123"],
    ["-leading-dash", "agent:main:-leading-dash"],
  ];
  for (const [raw, key] of ok) it(`${raw} → ${key}`, () => assert.equal(parseSessionKey(raw, "main").key, key));

  const bad = ["", "agent::x", "agent:bad id:x", "with space", "tab\there", "x".repeat(201), "agent:main:", "../../etc/passwd\n"];
  it("refuses empty, malformed, spaced, control-character and over-long keys", () => {
    for (const raw of bad) assert.throws(() => parseSessionKey(raw, "main"), (e: any) => e.code === "INVALID_REQUEST", JSON.stringify(raw));
  });
});
