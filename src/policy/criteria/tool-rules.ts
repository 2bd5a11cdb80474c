import type { Deny } from "../reasons.js";
import { quoteName } from "../reasons.js";
import type { ResolvedRole } from "../resolved-role.js";
import { toolKey } from "../tool-names.js";

/** `tools.deny` beats `tools.allow`; a non-empty `tools.allow` is a whitelist. */
export function checkToolRules(role: ResolvedRole, tool: string): Deny | undefined {
  const key = toolKey(tool);
  if (role.toolDeny.has(key)) {
    return {
      allow: false,
      reason: "tool_denied",
      tool,
      roleId: role.id,
      message: `tool ${quoteName(tool)} is denied for role ${quoteName(role.id)}`,
    };
  }
  if (role.toolAllow !== null && !role.toolAllow.has(key)) {
    return {
      allow: false,
      reason: "tool_not_allowed",
      tool,
      roleId: role.id,
      message: `tool ${quoteName(tool)} is not in the allowed tools of role ${quoteName(role.id)}`,
    };
  }
  return undefined;
}
