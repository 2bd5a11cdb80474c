import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RbacConfig } from "./rbac-config.js";
import { buildPolicy } from "./roles.js";
import { validateRbac } from "./validate.js";

const base = (over: Partial<RbacConfig> = {}): RbacConfig => ({ enabled: true, roles: {}, assignments: {}, ...over });

describe("validateRbac", () => {
  it("reports every error at once, each with its path", () => {
    const rbac = base({
      defaultRole: "nope",
      roles: {
        devops: { permissions: ["exec", "exec.elevated", "exec.sudo"] },
        x: { permissions: ["exec"], agents: ["main", "deploy"], tools: { allow: ["read"], deny: ["bash", "bsh"] } },
      },
      assignments: { "x@y": "ops", "ok@y": "devops", owner: "viewer" },
    });
    const errors = validateRbac(rbac, { knownAgents: ["main"], knownTools: ["read", "bash"] });
    assert.deepEqual(errors, [
      { path: "rbac.roles.devops.permissions[2]", message: 'unknown permission "exec.sudo"' },
      { path: "rbac.roles.x.agents[1]", message: 'unknown agent "deploy"' },
      { path: "rbac.roles.x.tools.deny[1]", message: 'unknown tool "bsh"' },
      { path: "rbac.defaultRole", message: 'unknown role "nope"' },
      { path: 'rbac.assignments["x@y"]', message: 'unknown role "ops"' },
    ]);
    const built = buildPolicy(rbac, { knownAgents: ["main"], knownTools: ["read", "bash"] });
    assert.ok("errors" in built);
    assert.equal(built.errors.length, 5);
  });

  const cases: { name: string; rbac: unknown; opts?: Parameters<typeof validateRbac>[1]; errors: string[] }[] = [
    { name: "the empty section is valid", rbac: base(), errors: [] },
    { name: "built-in roles can be assigned and defaulted", rbac: base({ defaultRole: "viewer", assignments: { a: "operator" } }), errors: [] },
    {
      name: "agents and tools are not checked without known lists",
      rbac: base({ roles: { r: { permissions: ["exec"], agents: ["anything"], tools: { deny: ["whatever"] } } } }),
      errors: [],
    },
    {
      name: "exec and bash are one tool for knownTools",
      rbac: base({ roles: { r: { permissions: ["exec"], tools: { deny: ["exec", "BASH"] } } } }),
      opts: { knownTools: ["bash"] },
      errors: [],
    },
    {
      name: "role ids that are not identifiers are bracket-quoted",
      rbac: base({ roles: { "ci-bot": { permissions: ["exec", "root"] } } }),
      errors: ['rbac.roles["ci-bot"].permissions[1]: unknown permission "root"'],
    },
    {
      name: "unknown keys are errors",
      rbac: { ...base(), extra: 1, roles: { r: { permissions: [], permisions: ["exec"], tools: { alow: ["read"] } } } },
      errors: ["rbac.extra: unknown key", "rbac.roles.r.permisions: unknown key", "rbac.roles.r.tools.alow: unknown key"],
    },
    {
      name: "wrong shapes",
      rbac: {
        enabled: "yes",
        roles: { a: "admin", b: { name: 3, permissions: "exec", agents: "main", tools: [] }, c: { permissions: [7], agents: [""] } },
        assignments: { "": "user", z: 5 },
      },
      errors: [
        "rbac.enabled: must be true or false",
        "rbac.roles.a: must be an object with a permissions list",
        "rbac.roles.b.name: must be a string",
        "rbac.roles.b.permissions: must be a list of permissions",
        "rbac.roles.b.agents: must be a list of agent names",
        "rbac.roles.b.tools: must be an object with allow and/or deny lists",
        "rbac.roles.c.permissions[0]: unknown permission 7",
        "rbac.roles.c.agents[0]: must be a non-empty agent name",
        'rbac.assignments[""]: principal id must not be empty',
        "rbac.assignments.z: must be a role id",
      ],
    },
    { name: "not an object", rbac: null, errors: ["rbac: must be an object"] },
    { name: "roles not a map", rbac: { enabled: false, roles: [], assignments: {} }, errors: ["rbac.roles: must be a map of role id to role"] },
    { name: "assignment to a config role defined later is fine", rbac: base({ assignments: { a: "later" }, roles: { later: { permissions: [] } } }), errors: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = validateRbac(c.rbac as RbacConfig, c.opts).map((e) => `${e.path}: ${e.message}`);
      assert.deepEqual(got, c.errors);
    });
  }
});
