import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "./load.js";
import { weakenedControls } from "./weakening.js";

const BASE = `
gateway:
  bind: 127.0.0.1
  auth:
    mode: token
    token: "k9Vd2QxL7mTz4NwB8rYc1HsF6pJe3GaU"
  audit:
    enabled: true
    retentionDays: 30
rbac:
  enabled: true
  defaultRole: viewer
  roles:
    viewer:
      permissions: [read-only]
    support:
      permissions: [read-only, exec]
      tools:
        deny: [bash, write]
  assignments:
    "sam@company.com": support
approvals:
  exec:
    enabled: true
tools:
  policy: sandbox
`;

const load = (text: string) => parseConfigText(text, {}).config;

describe("weakenedControls", () => {
  const base = load(BASE);
  const cases: [string, (s: string) => string, string[]][] = [
    ["RBAC off", (s) => s.replace("  enabled: true\n  defaultRole", "  enabled: false\n  defaultRole"), ["rbac.enabled"]],
    ["a deny rule removed", (s) => s.replace("deny: [bash, write]", "deny: [write]"), ["rbac.roles.support.tools.deny"]],
    ["a role removed (and its assignment moved)", (s) => s.replace(/ {4}support:\n.*\n.*\n.*\n/, "").replace(": support", ": viewer"), ["rbac.roles.support", 'rbac.assignments["sam@company.com"]']],
    ["a permission granted", (s) => s.replace("permissions: [read-only]\n", "permissions: [read-only, admin]\n"), ["rbac.roles.viewer.permissions"]],
    ["auth mode changed", (s) => s.replace("mode: token\n    token: \"k9Vd2QxL7mTz4NwB8rYc1HsF6pJe3GaU\"", "mode: none"), ["gateway.auth.mode"]],
    ["audit off", (s) => s.replace("    enabled: true\n    retentionDays", "    enabled: false\n    retentionDays"), ["gateway.audit.enabled"]],
    ["retention shortened", (s) => s.replace("retentionDays: 30", "retentionDays: 1"), ["gateway.audit.retentionDays"]],
    ["sandbox to host", (s) => s.replace("policy: sandbox", "policy: host"), ["tools.policy"]],
    ["approvals off", (s) => s.replace("exec:\n    enabled: true", "exec:\n    enabled: false"), ["approvals.exec.enabled"]],
    ["approvals narrowed", (s) => s.replace("exec:\n    enabled: true", "exec:\n    enabled: true\n    requireApproval: [elevated]"), ["approvals.exec.requireApproval"]],
    ["blocklist entry removed", (s) => `${s}  exec:\n    blocklist: ["rm -rf /"]\n`, ["tools.exec.blocklist"]],
    ["bind widened", (s) => s.replace("bind: 127.0.0.1", "bind: 0.0.0.0"), ["gateway.bind"]],
  ];
  for (const [name, edit, expected] of cases) {
    it(name, () => assert.deepEqual(weakenedControls(base, load(edit(BASE))), expected));
  }

  it("tightening or unrelated changes weaken nothing", () => {
    assert.deepEqual(weakenedControls(base, base), []);
    assert.deepEqual(weakenedControls(base, load(BASE.replace("deny: [bash, write]", "deny: [bash, write, edit]"))), []);
    assert.deepEqual(weakenedControls(base, load(BASE.replace("retentionDays: 30", "retentionDays: 90"))), []);
    assert.deepEqual(weakenedControls(load(BASE.replace("policy: sandbox", "policy: host")), base), []);
  });
});
