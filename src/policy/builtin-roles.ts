import type { RbacRoleConfig } from "./rbac-config.js";

/** Roles that exist without configuration; a config role with the same id replaces one entirely. */
export const BUILTIN_ROLES: Readonly<Record<string, Readonly<RbacRoleConfig>>> = Object.freeze({
  admin: { name: "Administrator", permissions: ["admin"] },
  operator: { name: "Operator", permissions: ["exec", "exec.approve"] },
  user: { name: "User", permissions: ["exec"] },
  viewer: { name: "Viewer", permissions: ["read-only"] },
});
