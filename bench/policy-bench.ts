/**
 * RBAC decision latency: a policy with `roles` configured roles (agent
 * restrictions, allow and deny lists), 1000 assigned principals plus
 * unassigned ones, and a mix of tool, command and permission decisions that
 * allow and deny. Each decision is timed with process.hrtime.bigint.
 */
import type { Decision, Permission, Policy, RbacConfig } from "../src/policy/index.js";
import { buildPolicy, PERMISSIONS } from "../src/policy/index.js";

const TOOLS = ["read", "write", "edit", "glob", "search", "bash", "exec"] as const;
const MUTATES: Record<(typeof TOOLS)[number], boolean> = { read: false, write: true, edit: true, glob: false, search: false, bash: true, exec: true };
const AGENTS = ["main", "deploy", "research", "ops"];

function benchConfig(roles: number): RbacConfig {
  const rbac: RbacConfig = { enabled: true, defaultRole: "viewer", roles: {}, assignments: {} };
  const permSets: Permission[][] = [["exec"], ["exec", "exec.elevated", "exec.approve"], ["read-only"], ["exec", "exec.approve"], ["admin"]];
  for (let i = 0; i < roles; i++) {
    rbac.roles[`role-${i}`] = {
      name: `Role ${i}`,
      permissions: permSets[i % permSets.length] ?? ["exec"],
      agents: i % 3 === 0 ? AGENTS.slice(0, 1 + (i % 3)) : undefined,
      tools: {
        allow: i % 4 === 1 ? ["read", "search", "glob", "edit"] : undefined,
        deny: i % 2 === 0 ? ["bash", "write"] : undefined,
      },
    };
  }
  for (let p = 0; p < 1000; p++) rbac.assignments[`user-${p}@company.com`] = `role-${p % roles}`;
  return rbac;
}

type Query = (policy: Policy) => Decision;

function queries(count: number): Query[] {
  const out: Query[] = [];
  let seed = 42;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < count; i++) {
    const principalId = next(10) === 0 ? `stranger-${i}` : `user-${next(1000)}@company.com`;
    const kind = next(10);
    if (kind < 6) {
      const tool = TOOLS[next(TOOLS.length)] ?? "read";
      const agentId = AGENTS[next(AGENTS.length)] ?? "main";
      out.push((p) => p.authorizeTool({ principalId, agentId, tool, mutates: MUTATES[tool] }));
    } else if (kind < 9) {
      const classes = next(2) === 0 ? ["elevated" as const] : [];
      out.push((p) => p.authorizeCommand({ principalId, classes }));
    } else {
      const perm = PERMISSIONS[next(PERMISSIONS.length)] ?? "exec";
      out.push((p) => p.hasPermission(principalId, perm));
    }
  }
  return out;
}

export function benchPolicyDecisions(opts: { roles?: number; decisions?: number } = {}): {
  p50Us: number;
  p99Us: number;
  decisionsPerSec: number;
} {
  const roles = opts.roles ?? 20;
  const decisions = opts.decisions ?? 200_000;
  const built = buildPolicy(benchConfig(roles));
  if (!("policy" in built)) throw new Error(`bench config invalid: ${built.errors.map((e) => e.path).join(", ")}`);
  const policy = built.policy;
  const work = queries(Math.min(decisions, 10_000));

  let allowed = 0;
  for (let i = 0; i < 20_000; i++) if (work[i % work.length]?.(policy).allow) allowed++;

  const samples = new Float64Array(decisions);
  for (let i = 0; i < decisions; i++) {
    const q = work[i % work.length] as Query;
    const t0 = process.hrtime.bigint();
    const d = q(policy);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
    if (d.allow) allowed++;
  }

  const start = process.hrtime.bigint();
  for (let i = 0; i < decisions; i++) if ((work[i % work.length] as Query)(policy).allow) allowed++;
  const totalNs = Number(process.hrtime.bigint() - start);
  if (allowed === 0) throw new Error("bench saw no allowed decisions");

  samples.sort();
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { p50Us: at(0.5), p99Us: at(0.99), decisionsPerSec: Math.round(decisions / (totalNs / 1e9)) };
}
