import type { Deny } from "../reasons.js";
import { quoteName } from "../reasons.js";
import type { ResolvedRole } from "../resolved-role.js";

/** A role with a non-empty `agents` list reaches only those agents. */
export function checkAgent(role: ResolvedRole, agentId: string): Deny | undefined {
  if (role.agents === null || role.agents.has(agentId)) return undefined;
  return {
    allow: false,
    reason: "agent_not_allowed",
    agentId,
    roleId: role.id,
    message: `role ${quoteName(role.id)} may not use agent ${quoteName(agentId)}`,
  };
}
