import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toolKey } from "./tool-names.js";

describe("toolKey", () => {
  const cases: [string, string][] = [
    ["bash", "bash"],
    ["exec", "bash"],
    ["EXEC", "bash"],
    ["Bash", "bash"],
    ["read", "read"],
    ["Write", "write"],
    ["constructor", "constructor"],
  ];
  for (const [input, expected] of cases) it(`${input} → ${expected}`, () => assert.equal(toolKey(input), expected));
});
