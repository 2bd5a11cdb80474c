import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RbacRoleConfig } from "../rbac-config.js";
import { resolveRole } from "../roles.js";
import { checkAgent } from "./agent.js";
import { checkPermission } from "./permission.js";
import { checkScope } from "./scope.js";
import { checkToolPermission, toolPermission } from "./tool-permission.js";
import { checkToolRules } from "./tool-rules.js";
import type { Permission } from "../permissions.js";

const role = (config: RbacRoleConfig) => resolveRole("r", config, false);
const reason = (d: { reason: string } | undefined): string => d?.reason ?? "pass";

describe("criteria/agent", () => {
  const cases: [agents: string[] | undefined, agent: string, expected: string][] = [
    [undefined, "main", "pass"],
    [[], "main", "pass"],
    [["main", "deploy"], "deploy", "pass"],
    [["main"], "deploy", "agent_not_allowed"],
    [["main"], "", "agent_not_allowed"],
  ];
  for (const [agents, agent, expected] of cases) {
    it(`${JSON.stringify(agents)} ${agent} → ${expected}`, () => {
      assert.equal(reason(checkAgent(role({ permissions: ["exec"], agents }), agent)), expected);
    });
  }
});

describe("criteria/tool-rules", () => {
  const cases: [tools: RbacRoleConfig["tools"], tool: string, expected: string][] = [
    [undefined, "bash", "pass"],
    [{ deny: ["bash"] }, "bash", "tool_denied"],
    [{ deny: ["bash"] }, "exec", "tool_denied"],
    [{ deny: ["exec"] }, "BASH", "tool_denied"],
    [{ allow: ["bash"], deny: ["bash"] }, "bash", "tool_denied"],
    [{ allow: ["read"] }, "write", "tool_not_allowed"],
    [{ allow: ["read"] }, "Read", "pass"],
    [{ allow: [] }, "write", "pass"],
    [{ deny: [] }, "write", "pass"],
  ];
  for (const [tools, tool, expected] of cases) {
    it(`${JSON.stringify(tools)} ${tool} → ${expected}`, () => {
      assert.equal(reason(checkToolRules(role({ permissions: ["exec"], tools }), tool)), expected);
    });
  }
});

describe("criteria/tool-permission", () => {
  it("mutating tools need exec, the rest read-only", () => {
    assert.equal(toolPermission(true), "exec");
    assert.equal(toolPermission(false), "read-only");
  });
  const cases: [perms: Permission[], mutates: boolean, expected: string][] = [
    [["exec"], true, "pass"],
    [["exec"], false, "pass"],
    [["read-only"], false, "pass"],
    [["read-only"], true, "read_only"],
    [["exec.approve"], false, "missing_permission"],
    [["exec.approve"], true, "missing_permission"],
    [["admin"], true, "pass"],
    [[], false, "missing_permission"],
  ];
  for (const [perms, mutates, expected] of cases) {
    it(`[${perms.join(",")}] mutates=${mutates} → ${expected}`, () => {
      assert.equal(reason(checkToolPermission(role({ permissions: perms }), "t", mutates)), expected);
    });
  }
});

describe("criteria/permission", () => {
  const cases: [perms: Permission[], wanted: Permission, expected: string][] = [
    [["exec"], "exec", "pass"],
    [["exec"], "exec.elevated", "missing_permission"],
    [["exec.elevated"], "exec", "pass"],
    [["admin"], "exec.approve", "pass"],
    [["exec", "exec.approve"], "admin", "missing_permission"],
    [["read-only"], "exec", "missing_permission"],
  ];
  for (const [perms, wanted, expected] of cases) {
    it(`[${perms.join(",")}] ${wanted} → ${expected}`, () => {
      assert.equal(reason(checkPermission(role({ permissions: perms }), wanted)), expected);
    });
  }
});

describe("criteria/scope", () => {
  const cases: [scopes: Permission[] | undefined, wanted: Permission, expected: string][] = [
    [undefined, "admin", "pass"],
    [["read-only"], "read-only", "pass"],
    [["read-only"], "exec", "scope_not_granted"],
    [["exec"], "read-only", "pass"],
    [["admin"], "exec.elevated", "pass"],
    [[], "read-only", "scope_not_granted"],
  ];
  for (const [scopes, wanted, expected] of cases) {
    it(`${JSON.stringify(scopes)} ${wanted} → ${expected}`, () => {
      const d = checkScope(scopes && new Set(scopes), wanted, "r");
      assert.equal(reason(d), expected);
      if (d) assert.equal(d.roleId, "r");
    });
  }
});
