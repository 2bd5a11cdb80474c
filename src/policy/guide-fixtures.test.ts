/**
 * The RBAC examples of the security hardening guide, verbatim, and the
 * behaviour an operator reading the guide expects from each of them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import type { Decision } from "./reasons.js";
import type { RbacConfig } from "./rbac-config.js";
import { buildPolicy } from "./roles.js";
import { GUIDE_RBAC, GUIDE_TOOL_RESTRICTIONS as GUIDE_LIMITED } from "../config/guide-snippets.fixture.js";
import type { Policy } from "./decide.js";

const MUTATES: Record<string, boolean> = { read: false, search: false, glob: false, write: true, edit: true, bash: true, exec: true };

function guidePolicy(): Policy {
  const { rbac } = parse(GUIDE_RBAC) as { rbac: RbacConfig };
  const { roles } = parse(GUIDE_LIMITED) as { roles: RbacConfig["roles"] };
  rbac.roles = { ...rbac.roles, ...roles };
  rbac.assignments["limited@company.com"] = "limited";
  rbac.assignments["viewer@company.com"] = "viewer";
  const built = buildPolicy(rbac, {
    knownAgents: ["main", "deploy", "research"],
    knownTools: ["read", "write", "edit", "glob", "search", "bash"],
  });
  assert.ok("policy" in built, JSON.stringify(built));
  return built.policy;
}

function outcome(d: Decision): string {
  return d.allow ? `allow:${d.roleId ?? "-"}` : `deny:${d.reason}`;
}

describe("guide RBAC example", () => {
  const policy = guidePolicy();

  const toolCases: [principal: string, agent: string, tool: string, expected: string][] = [
    // admin: full access
    ["admin@company.com", "research", "bash", "allow:admin"],
    ["admin@company.com", "main", "write", "allow:admin"],
    // devops: exec, only agents main and deploy
    ["devops@company.com", "main", "bash", "allow:devops"],
    ["devops@company.com", "deploy", "write", "allow:devops"],
    ["devops@company.com", "research", "read", "deny:agent_not_allowed"],
    // support: exec but bash and write denied
    ["support@company.com", "main", "bash", "deny:tool_denied"],
    ["support@company.com", "main", "exec", "deny:tool_denied"],
    ["support@company.com", "main", "write", "deny:tool_denied"],
    ["support@company.com", "main", "edit", "allow:support"],
    ["support@company.com", "research", "read", "allow:support"],
    // limited: only read, search, glob
    ["limited@company.com", "main", "read", "allow:limited"],
    ["limited@company.com", "main", "search", "allow:limited"],
    ["limited@company.com", "main", "glob", "allow:limited"],
    ["limited@company.com", "main", "bash", "deny:tool_denied"],
    ["limited@company.com", "main", "edit", "deny:tool_denied"],
    // viewer (read-only): tools that change nothing
    ["viewer@company.com", "main", "read", "allow:viewer"],
    ["viewer@company.com", "main", "glob", "allow:viewer"],
    ["viewer@company.com", "main", "write", "deny:read_only"],
    ["viewer@company.com", "main", "bash", "deny:read_only"],
    // unassigned: defaultRole user (exec)
    ["someone@else.com", "research", "bash", "allow:user"],
    // the shared-secret principal: implicit admin
    ["owner", "research", "bash", "allow:admin"],
  ];
  for (const [principal, agentId, tool, expected] of toolCases) {
    it(`${principal} ${tool}@${agentId} → ${expected}`, () => {
      const mutates = MUTATES[tool];
      assert.ok(mutates !== undefined);
      assert.equal(outcome(policy.authorizeTool({ principalId: principal, agentId, tool, mutates })), expected);
    });
  }

  const commandCases: [principal: string, classes: ("elevated" | "destructive")[], expected: string][] = [
    ["devops@company.com", ["elevated"], "allow:devops"],
    ["devops@company.com", ["destructive"], "allow:devops"],
    ["support@company.com", [], "allow:support"],
    ["support@company.com", ["destructive"], "allow:support"],
    ["support@company.com", ["elevated"], "deny:missing_permission"],
    ["someone@else.com", ["elevated", "destructive"], "deny:missing_permission"],
    ["admin@company.com", ["elevated"], "allow:admin"],
    ["viewer@company.com", [], "deny:missing_permission"],
  ];
  for (const [principal, classes, expected] of commandCases) {
    it(`${principal} command [${classes.join(",")}] → ${expected}`, () => {
      assert.equal(outcome(policy.authorizeCommand({ principalId: principal, classes })), expected);
    });
  }

  const approveCases: [principal: string, expected: string][] = [
    ["devops@company.com", "allow:devops"],
    ["admin@company.com", "allow:admin"],
    ["support@company.com", "deny:missing_permission"],
    ["someone@else.com", "deny:missing_permission"],
  ];
  for (const [principal, expected] of approveCases) {
    it(`${principal} exec.approve → ${expected}`, () => {
      assert.equal(outcome(policy.hasPermission(principal, "exec.approve")), expected);
    });
  }

  it("denials name what was refused, without secrets", () => {
    const d = policy.authorizeTool({ principalId: "support@company.com", agentId: "main", tool: "bash", mutates: true });
    assert.deepEqual(d, {
      allow: false,
      reason: "tool_denied",
      tool: "bash",
      roleId: "support",
      message: 'tool "bash" is denied for role "support"',
    });
    const e = policy.authorizeTool({ principalId: "devops@company.com", agentId: "research", tool: "read", mutates: false });
    assert.equal(e.allow, false);
    assert.equal(!e.allow && e.agentId, "research");
    assert.match(!e.allow ? e.message : "", /agent "research"/);
  });
});
