import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { contextFor, one, tempStates } from "../doctor-fixture.js";
import { rbacCheck } from "./rbac.js";

const GUIDE_RBAC = `rbac:
  enabled: true
  defaultRole: user
  roles:
    devops:
      name: "DevOps Engineer"
      permissions: [exec, exec.elevated, exec.approve]
      agents: [main]
    support:
      name: "Support Agent"
      permissions: [exec]
      tools:
        deny: [bash, write]
  assignments:
    "admin@company.com": admin
    "devops@company.com": devops
    "support@company.com": support
`;

describe("rbac check", () => {
  const { state, cleanup } = tempStates();
  after(cleanup);
  const run = async (yaml: string) => rbacCheck(await contextFor({ stateDir: await state(), yaml }));

  it("warns when RBAC is off", async () => {
    const f = one(await run("{}\n"), "rbac.enabled");
    assert.equal(f.status, "warn");
    assert.match(f.fix ?? "", /rbac\.enabled: true/);
  });

  it("passes the guide's RBAC and lists who holds admin", async () => {
    const findings = await run(GUIDE_RBAC);
    assert.deepEqual(findings.map((f) => [f.id, f.status]), [
      ["rbac.enabled", "pass"],
      ["rbac.default-role", "pass"],
      ["rbac.admin-assignments", "pass"],
    ]);
    const inv = one(findings, "rbac.admin-assignments").message;
    assert.match(inv, /admin@company\.com/);
    assert.match(inv, /owner \(shared token\/password, implicit\)/);
    assert.doesNotMatch(inv, /devops@company\.com/);
  });

  const defaults: [string, string][] = [
    ["admin", "warn"],
    ["viewer", "pass"],
  ];
  for (const [role, status] of defaults) {
    it(`defaultRole ${role} → ${status}`, async () => {
      assert.equal(one(await run(`rbac:\n  enabled: true\n  defaultRole: ${role}\n`), "rbac.default-role").status, status);
    });
  }

  it("warns on a custom default role that grants admin", async () => {
    const f = one(await run("rbac:\n  enabled: true\n  defaultRole: boss\n  roles:\n    boss:\n      permissions: [admin]\n"), "rbac.default-role");
    assert.equal(f.status, "warn");
  });

  it("fails invalid rbac with each path", async () => {
    const yaml = 'rbac:\n  enabled: true\n  defaultRole: nobody\n  roles:\n    devops:\n      permissions: [exec, sudo]\n  assignments:\n    "x@y": ops\n';
    const findings = await run(yaml);
    assert.deepEqual(findings.map((f) => [f.id, f.status, f.subject]).sort(), [
      ["rbac.invalid", "fail", "rbac.assignments[\"x@y\"]"],
      ["rbac.invalid", "fail", "rbac.defaultRole"],
      ["rbac.invalid", "fail", "rbac.roles.devops.permissions[1]"],
    ]);
  });

  it("warns about a role that names an agent that is not configured (the guide's devops role does)", async () => {
    const findings = await run("rbac:\n  enabled: true\n  roles:\n    r:\n      permissions: [exec]\n      agents: [ghost]\n");
    const f = one(findings, "rbac.unknown-agent");
    assert.equal(f.subject, "rbac.roles.r.agents[0]");
    assert.equal(f.status, "warn");
  });
});
