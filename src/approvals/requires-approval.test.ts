import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requiresApproval } from "./requires-approval.js";

describe("requiresApproval", () => {
  const guide = { enabled: true, requireApproval: ["elevated", "destructive"], timeoutMs: 120_000 };
  const cases: [config: typeof guide, classes: string[], expected: boolean][] = [
    [guide, ["elevated"], true],
    [guide, ["destructive"], true],
    [guide, [], false],
    [{ ...guide, requireApproval: ["elevated"] }, ["destructive"], false],
    [{ ...guide, enabled: false }, ["elevated", "destructive"], false],
    [{ ...guide, requireApproval: [] }, ["elevated"], false],
  ];
  for (const [config, classes, expected] of cases) {
    it(`${JSON.stringify(config.requireApproval)} enabled=${config.enabled} [${classes.join(",")}] → ${expected}`, () => {
      assert.equal(requiresApproval(config, classes), expected);
    });
  }
});
