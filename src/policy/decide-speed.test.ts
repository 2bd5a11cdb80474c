import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RbacConfig } from "./rbac-config.js";
import { buildPolicy } from "./roles.js";

describe("decision speed", () => {
  it("p99 stays under 1 ms with 20 roles", () => {
    const rbac: RbacConfig = { enabled: true, defaultRole: "viewer", roles: {}, assignments: {} };
    for (let i = 0; i < 20; i++) {
      rbac.roles[`r${i}`] = { permissions: i % 2 ? ["exec"] : ["read-only"], agents: ["main", "deploy"], tools: { deny: ["bash"], allow: i % 3 ? [] : ["read", "edit"] } };
      rbac.assignments[`p${i}`] = `r${i}`;
    }
    const built = buildPolicy(rbac);
    assert.ok("policy" in built);
    const samples: number[] = [];
    let allowed = 0;
    for (let i = 0; i < 20_000; i++) {
      const t0 = process.hrtime.bigint();
      const d = built.policy.authorizeTool({ principalId: `p${i % 25}`, agentId: i % 5 ? "main" : "ops", tool: i % 2 ? "edit" : "exec", mutates: true });
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (d.allow) allowed++;
    }
    samples.sort((a, b) => a - b);
    assert.ok(allowed > 0 && allowed < samples.length, "a mix of allow and deny");
    assert.ok((samples[Math.floor(samples.length * 0.99)] ?? Infinity) < 1, "p99 under 1 ms");
  });
});
