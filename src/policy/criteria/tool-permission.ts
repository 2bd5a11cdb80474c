import type { Permission } from "../permissions.js";
import type { Deny } from "../reasons.js";
import { quoteName } from "../reasons.js";
import type { ResolvedRole } from "../resolved-role.js";

/** The permission a tool call needs: `exec` when it changes something, else `read-only`. */
export function toolPermission(mutates: boolean): Permission {
  return mutates ? "exec" : "read-only";
}

/** A tool that changes something needs `exec`; one that changes nothing needs `read-only` (which `exec` implies). */
export function checkToolPermission(role: ResolvedRole, tool: string, mutates: boolean): Deny | undefined {
  const needed = toolPermission(mutates);
  if (role.effective.has(needed)) return undefined;
  if (mutates && role.effective.has("read-only")) {
    return {
      allow: false,
      reason: "read_only",
      permission: needed,
      tool,
      roleId: role.id,
      message: `role ${quoteName(role.id)} is read-only and tool ${quoteName(tool)} changes things`,
    };
  }
  return {
    allow: false,
    reason: "missing_permission",
    permission: needed,
    tool,
    roleId: role.id,
    message: `role ${quoteName(role.id)} lacks permission "${needed}" for tool ${quoteName(tool)}`,
  };
}
