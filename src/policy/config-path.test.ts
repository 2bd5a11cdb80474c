import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { indexPath, keyPath } from "./config-path.js";

describe("keyPath", () => {
  const cases: [string, string, string][] = [
    ["rbac.roles", "devops", "rbac.roles.devops"],
    ["rbac.roles", "team_2", "rbac.roles.team_2"],
    ["rbac.assignments", "x@y", 'rbac.assignments["x@y"]'],
    ["rbac.roles", "read-only-ish", 'rbac.roles["read-only-ish"]'],
    ["rbac.roles", "2nd", 'rbac.roles["2nd"]'],
    ["rbac.roles", "", 'rbac.roles[""]'],
    ["rbac.roles", 'a"b', 'rbac.roles["a\\"b"]'],
  ];
  for (const [base, key, expected] of cases) {
    it(`${JSON.stringify(key)} → ${expected}`, () => assert.equal(keyPath(base, key), expected));
  }
  it("indexPath", () => assert.equal(indexPath("rbac.roles.x.agents", 0), "rbac.roles.x.agents[0]"));
});
