import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Policy, ToolQuery } from "./decide.js";
import type { BuildPolicyOptions, RbacConfig } from "./rbac-config.js";
import type { Decision } from "./reasons.js";
import { DENY_REASONS } from "./reasons.js";
import { buildPolicy } from "./roles.js";
import { grantScopes } from "./permissions.js";

function policyOf(over: Partial<RbacConfig>, opts?: BuildPolicyOptions): Policy {
  const built = buildPolicy({ enabled: true, roles: {}, assignments: {}, ...over }, opts);
  assert.ok("policy" in built, JSON.stringify(built));
  return built.policy;
}

const tool = (principalId: string, t: string, mutates: boolean, agentId = "main"): ToolQuery => ({ principalId, agentId, tool: t, mutates });
const outcome = (d: Decision): string => (d.allow ? `allow:${d.roleId ?? "-"}` : `deny:${d.reason}`);

describe("role resolution", () => {
  const cases: { name: string; rbac: Partial<RbacConfig>; opts?: BuildPolicyOptions; principal: string; role: string | undefined }[] = [
    { name: "assignment", rbac: { assignments: { a: "viewer" } }, principal: "a", role: "viewer" },
    { name: "owner is implicit admin", rbac: {}, principal: "owner", role: "admin" },
    { name: "owner is implicit admin even with a defaultRole", rbac: { defaultRole: "viewer" }, principal: "owner", role: "admin" },
    { name: "an assignment beats the implicit admin", rbac: { assignments: { owner: "user" } }, principal: "owner", role: "user" },
    { name: "custom shared principal", rbac: {}, opts: { implicitAdminPrincipal: "boss" }, principal: "boss", role: "admin" },
    { name: "owner is not special when another principal is the shared one", rbac: {}, opts: { implicitAdminPrincipal: "boss" }, principal: "owner", role: undefined },
    { name: "defaultRole fallback", rbac: { defaultRole: "user" }, principal: "stranger", role: "user" },
    { name: "no assignment, no defaultRole", rbac: {}, principal: "stranger", role: undefined },
    { name: "prototype names are plain principals", rbac: { defaultRole: "viewer" }, principal: "__proto__", role: "viewer" },
    { name: "constructor is not a role lookup", rbac: {}, principal: "constructor", role: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(policyOf(c.rbac, c.opts).roleOf(c.principal)?.roleId, c.role));
  }

  it("a config role replaces the built-in role of the same id", () => {
    const p = policyOf({ roles: { user: { name: "Reader", permissions: ["read-only"] } }, assignments: { a: "user" } });
    const b = p.roleOf("a");
    assert.equal(b?.role.name, "Reader");
    assert.equal(b?.role.builtin, false);
    assert.equal(outcome(p.authorizeTool(tool("a", "bash", true))), "deny:read_only");
    assert.equal(outcome(p.authorizeTool(tool("a", "read", false))), "allow:user");
  });

  it("overriding admin changes what the implicit owner holds", () => {
    const p = policyOf({ roles: { admin: { permissions: ["exec"] } } });
    assert.equal(outcome(p.hasPermission("owner", "admin")), "deny:missing_permission");
    assert.equal(outcome(p.hasPermission("owner", "exec")), "allow:admin");
  });

  it("lists built-in and configured roles", () => {
    const ids = policyOf({ roles: { devops: { permissions: ["exec"] } } })
      .roles()
      .map((r) => r.id)
      .sort();
    assert.deepEqual(ids, ["admin", "devops", "operator", "user", "viewer"]);
  });

  it("no role: every decision is no_role", () => {
    const p = policyOf({});
    for (const d of [p.authorizeTool(tool("x", "read", false)), p.authorizeCommand({ principalId: "x", classes: [] }), p.hasPermission("x", "read-only")]) {
      assert.equal(outcome(d), "deny:no_role");
    }
    assert.equal(p.permissionsOf("x").size, 0);
    assert.deepEqual(p.grantScopes("x", ["operator.read"]).granted, []);
  });
});

describe("tool rules", () => {
  const p = policyOf({
    roles: {
      both: { permissions: ["exec"], tools: { allow: ["read", "write"], deny: ["write"] } },
      aliasDeny: { permissions: ["exec"], tools: { deny: ["exec"] } },
      aliasAllow: { permissions: ["exec"], tools: { allow: ["BASH"] } },
      emptyAllow: { permissions: ["exec"], tools: { allow: [] } },
      reach: { permissions: ["exec"], agents: ["main"] },
      reachAll: { permissions: ["exec"], agents: [] },
      approver: { permissions: ["exec.approve"] },
      ro: { permissions: ["read-only"], tools: { deny: ["glob"] } },
      roAdmin: { permissions: ["admin"], tools: { deny: ["bash"] }, agents: ["ops"] },
    },
    assignments: { both: "both", aliasDeny: "aliasDeny", aliasAllow: "aliasAllow", emptyAllow: "emptyAllow", reach: "reach", reachAll: "reachAll", approver: "approver", ro: "ro", roAdmin: "roAdmin" },
  });
  const cases: [query: ToolQuery, expected: string][] = [
    [tool("both", "write", true), "deny:tool_denied"],
    [tool("both", "read", false), "allow:both"],
    [tool("both", "edit", true), "deny:tool_not_allowed"],
    [tool("aliasDeny", "bash", true), "deny:tool_denied"],
    [tool("aliasDeny", "Exec", true), "deny:tool_denied"],
    [tool("aliasAllow", "exec", true), "allow:aliasAllow"],
    [tool("aliasAllow", "read", false), "deny:tool_not_allowed"],
    [tool("emptyAllow", "edit", true), "allow:emptyAllow"],
    [tool("reach", "read", false, "main"), "allow:reach"],
    [tool("reach", "read", false, "Main"), "deny:agent_not_allowed"],
    [tool("reach", "read", false, "other"), "deny:agent_not_allowed"],
    [tool("reachAll", "read", false, "other"), "allow:reachAll"],
    [tool("approver", "read", false), "deny:missing_permission"],
    [tool("approver", "bash", true), "deny:missing_permission"],
    [tool("ro", "read", false), "allow:ro"],
    [tool("ro", "glob", false), "deny:tool_denied"],
    [tool("ro", "edit", true), "deny:read_only"],
    [tool("roAdmin", "bash", true, "ops"), "deny:tool_denied"],
    [tool("roAdmin", "write", true, "main"), "deny:agent_not_allowed"],
    [tool("roAdmin", "write", true, "ops"), "allow:roAdmin"],
  ];
  for (const [q, expected] of cases) {
    it(`${q.principalId} ${q.tool}@${q.agentId} → ${expected}`, () => assert.equal(outcome(p.authorizeTool(q)), expected));
  }

  it("a missing permission names it", () => {
    const d = p.authorizeTool(tool("approver", "read", false));
    assert.ok(!d.allow);
    assert.equal(d.permission, "read-only");
    assert.equal(d.tool, "read");
  });

  it("a long client-supplied tool name is bounded in the message", () => {
    const d = p.authorizeTool(tool("both", "x".repeat(10_000), true));
    assert.ok(!d.allow);
    assert.ok(d.message.length < 200);
  });
});

describe("commands and permissions", () => {
  const p = policyOf({
    roles: { elev: { permissions: ["exec.elevated"] }, approver: { permissions: ["exec.approve"] }, none: { permissions: [] } },
    assignments: { elev: "elev", approver: "approver", none: "none", op: "operator", u: "user", v: "viewer", a: "admin" },
  });
  const cases: [principal: string, classes: string[], expected: string][] = [
    ["u", [], "allow:user"],
    ["u", ["destructive"], "allow:user"],
    ["u", ["elevated"], "deny:missing_permission"],
    ["op", ["elevated", "destructive"], "deny:missing_permission"],
    ["elev", ["elevated"], "allow:elev"],
    ["elev", [], "allow:elev"],
    ["approver", [], "deny:missing_permission"],
    ["none", [], "deny:missing_permission"],
    ["v", [], "deny:missing_permission"],
    ["a", ["elevated"], "allow:admin"],
  ];
  for (const [principal, classes, expected] of cases) {
    it(`${principal} [${classes.join(",")}] → ${expected}`, () => {
      assert.equal(outcome(p.authorizeCommand({ principalId: principal, classes })), expected);
    });
  }

  it("elevated denial names exec.elevated", () => {
    const d = p.authorizeCommand({ principalId: "u", classes: ["elevated"] });
    assert.ok(!d.allow);
    assert.equal(d.permission, "exec.elevated");
    assert.equal(d.roleId, "user");
  });

  const permCases: [principal: string, perm: Parameters<Policy["hasPermission"]>[1], expected: string][] = [
    ["a", "admin", "allow:admin"],
    ["a", "exec.approve", "allow:admin"],
    ["op", "exec.approve", "allow:operator"],
    ["op", "admin", "deny:missing_permission"],
    ["u", "exec.approve", "deny:missing_permission"],
    ["v", "read-only", "allow:viewer"],
    ["v", "exec", "deny:missing_permission"],
  ];
  for (const [principal, perm, expected] of permCases) {
    it(`${principal} has ${perm} → ${expected}`, () => assert.equal(outcome(p.hasPermission(principal, perm)), expected));
  }
});

describe("scopes narrowing", () => {
  const p = policyOf({
    roles: { devops: { permissions: ["exec", "exec.elevated", "exec.approve"] } },
    assignments: { d: "devops", u: "user" },
  });
  const readOnly = p.grantScopes("d", ["operator.read"]).effective;
  const write = p.grantScopes("d", ["operator.read", "operator.write"]).effective;
  const approvals = p.grantScopes("d", ["operator.approvals"]).effective;

  const cases: [name: string, decision: () => Decision, expected: string][] = [
    ["read scope: read tool", () => p.authorizeTool({ ...tool("d", "read", false), scopes: readOnly }), "allow:devops"],
    ["read scope: bash", () => p.authorizeTool({ ...tool("d", "bash", true), scopes: readOnly }), "deny:scope_not_granted"],
    ["write scope: bash", () => p.authorizeTool({ ...tool("d", "bash", true), scopes: write }), "allow:devops"],
    ["write scope: elevated command", () => p.authorizeCommand({ principalId: "d", classes: ["elevated"], scopes: write }), "allow:devops"],
    ["write scope: approve", () => p.hasPermission("d", "exec.approve", write), "deny:scope_not_granted"],
    ["approvals scope: approve", () => p.hasPermission("d", "exec.approve", approvals), "allow:devops"],
    ["approvals scope: read", () => p.authorizeTool({ ...tool("d", "read", false), scopes: approvals }), "deny:scope_not_granted"],
    ["role still rules: scopes cannot widen", () => p.hasPermission("u", "admin", grantScopes(["operator.admin"], ["admin"]).effective), "deny:missing_permission"],
    ["an unexpanded admin scope set implies the rest", () => p.hasPermission("d", "exec", new Set(["admin"] as const)), "allow:devops"],
  ];
  for (const [name, decision, expected] of cases) it(name, () => assert.equal(outcome(decision()), expected));
});

describe("rbac disabled", () => {
  const p = policyOf({ enabled: false, roles: { limited: { permissions: ["read-only"], agents: ["x"] } }, assignments: { a: "limited" } });
  it("every authenticated principal is allowed, with no role", () => {
    for (const d of [
      p.authorizeTool(tool("a", "bash", true, "other")),
      p.authorizeTool(tool("stranger", "write", true)),
      p.authorizeCommand({ principalId: "stranger", classes: ["elevated"] }),
      p.hasPermission("stranger", "admin"),
    ]) {
      assert.deepEqual(d, { allow: true });
    }
    assert.equal(p.permissionsOf("stranger").size, 5);
  });
  it("a connection's own narrower scopes still apply", () => {
    const { granted, effective } = p.grantScopes("stranger", ["operator.read"]);
    assert.deepEqual(granted, ["operator.read"]);
    const d = p.authorizeTool({ ...tool("stranger", "bash", true), scopes: effective });
    assert.equal(outcome(d), "deny:scope_not_granted");
    assert.ok(!d.allow && d.roleId === undefined);
  });
});

describe("unknown permissions", () => {
  it("are refused whether RBAC is on or off", () => {
    for (const enabled of [true, false]) {
      const p = policyOf({ enabled });
      const d = p.hasPermission("owner", "exec.sudo" as Parameters<Policy["hasPermission"]>[1]);
      assert.equal(outcome(d), "deny:missing_permission");
    }
  });
});

describe("deny reasons", () => {
  it("is the documented closed list", () => {
    assert.deepEqual([...DENY_REASONS], [
      "no_role",
      "agent_not_allowed",
      "tool_denied",
      "tool_not_allowed",
      "read_only",
      "missing_permission",
      "scope_not_granted",
    ]);
  });
});
