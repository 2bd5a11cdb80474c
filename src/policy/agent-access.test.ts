import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allowedTools, authorizeAgent } from "./agent-access.js";
import { buildPolicy } from "./roles.js";
import type { Policy } from "./decide.js";
import type { RbacConfig } from "./rbac-config.js";

const TOOLS = [
  { name: "read", mutates: false },
  { name: "write", mutates: true },
  { name: "glob", mutates: false },
  { name: "bash", mutates: true },
];

function policyOf(over: Partial<RbacConfig>): Policy {
  const built = buildPolicy({ enabled: true, roles: {}, assignments: {}, ...over }, { knownTools: TOOLS.map((t) => t.name) });
  assert.ok("policy" in built, JSON.stringify(built));
  return built.policy;
}

describe("agent access", () => {
  const p = policyOf({
    roles: {
      support: { permissions: ["exec"], agents: ["main"], tools: { deny: ["bash"] } },
      deployer: { permissions: ["exec"], agents: ["deploy"] },
    },
    assignments: { s: "support", v: "viewer", d: "deployer", u: "user" },
  });
  const names = (principalId: string, agentId = "main", scopes?: Set<"read-only">) =>
    allowedTools(p, { principalId, agentId, scopes }, TOOLS).map((t) => t.name);

  const cases: [string, string, string[]][] = [
    ["support: tool deny removes bash", "s", ["read", "write", "glob"]],
    ["viewer: read-only tools only", "v", ["read", "glob"]],
    ["user: everything", "u", ["read", "write", "glob", "bash"]],
    ["deployer on main: nothing (agent not in the role)", "d", []],
    ["no role: nothing", "stranger", []],
    ["owner (implicit admin): everything", "owner", ["read", "write", "glob", "bash"]],
  ];
  for (const [name, who, expected] of cases) it(name, () => assert.deepEqual(names(who), expected));

  it("a connection's scopes narrow the offer", () => assert.deepEqual(names("u", "main", new Set(["read-only"])), ["read", "glob"]));

  it("authorizeAgent follows the role's agent list", () => {
    assert.equal(authorizeAgent(p, "d", "deploy").allow, true);
    const d = authorizeAgent(p, "d", "main");
    assert.equal(d.allow, false);
    assert.equal(!d.allow && d.reason, "agent_not_allowed");
    assert.equal(authorizeAgent(p, "stranger", "main").allow, false);
    const off = buildPolicy({ enabled: false, roles: {}, assignments: {} });
    assert.ok("policy" in off && authorizeAgent(off.policy, "anyone", "x").allow);
  });
});
