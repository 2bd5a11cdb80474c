import type { Permission } from "../permissions.js";
import type { Deny } from "../reasons.js";
import { quoteName } from "../reasons.js";
import type { ResolvedRole } from "../resolved-role.js";

/** The role must hold the permission, directly or through one that implies it. */
export function checkPermission(role: ResolvedRole, permission: Permission): Deny | undefined {
  if (role.effective.has(permission)) return undefined;
  return {
    allow: false,
    reason: "missing_permission",
    permission,
    roleId: role.id,
    message: `role ${quoteName(role.id)} lacks permission ${quoteName(permission)}`,
  };
}
