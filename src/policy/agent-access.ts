/**
 * Two policy queries for agent runs, built only from the decisions the tool
 * pipeline makes (so what is offered and what is allowed cannot drift apart):
 * may a principal reach an agent at all, and which tools may it use there.
 */
import { checkAgent } from "./criteria/agent.js";
import type { Policy } from "./decide.js";
import type { Permission } from "./permissions.js";
import type { Decision } from "./reasons.js";

const ALLOW: Decision = Object.freeze({ allow: true });
const NO_ROLE: Decision = Object.freeze({
  allow: false,
  reason: "no_role",
  message: "no role is assigned to this principal and there is no default role",
});

/** RBAC `agents`: a role with an agent list reaches only those agents; no role reaches none. */
export function authorizeAgent(policy: Policy, principalId: string, agentId: string): Decision {
  if (!policy.enabled) return ALLOW;
  const binding = policy.roleOf(principalId);
  if (!binding) return NO_ROLE;
  return checkAgent(binding.role, agentId) ?? ALLOW;
}

/** The tools of `tools` that `authorizeTool` would let this principal call on this agent. */
export function allowedTools<T extends { name: string; mutates: boolean }>(
  policy: Policy,
  q: { principalId: string; agentId: string; scopes?: ReadonlySet<Permission> | undefined },
  tools: Iterable<T>,
): T[] {
  const out: T[] = [];
  for (const t of tools) {
    const d = policy.authorizeTool({
      principalId: q.principalId,
      agentId: q.agentId,
      tool: t.name,
      mutates: t.mutates,
      ...(q.scopes ? { scopes: q.scopes } : {}),
    });
    if (d.allow) out.push(t);
  }
  return out;
}
