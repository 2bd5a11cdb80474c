import type { Permission } from "../permissions.js";
import { holds } from "../permissions.js";
import type { Deny } from "../reasons.js";

/**
 * The connection's granted scopes (an effective permission set from
 * grantScopes) must cover the permission; `undefined` means no narrowing.
 */
export function checkScope(
  scopes: ReadonlySet<Permission> | undefined,
  permission: Permission,
  roleId: string | undefined,
): Deny | undefined {
  if (scopes === undefined || holds(scopes, permission)) return undefined;
  const deny: Deny = {
    allow: false,
    reason: "scope_not_granted",
    permission,
    message: `the connection's granted scopes do not include permission "${permission}"`,
  };
  if (roleId !== undefined) deny.roleId = roleId;
  return deny;
}
