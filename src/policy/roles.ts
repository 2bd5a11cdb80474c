import { BUILTIN_ROLES } from "./builtin-roles.js";
import { Policy } from "./decide.js";
import type { Permission } from "./permissions.js";
import { expandPermissions, isPermission } from "./permissions.js";
import type { BuildPolicyOptions, PolicyConfigError, RbacConfig, RbacRoleConfig } from "./rbac-config.js";
import type { ResolvedRole } from "./resolved-role.js";
import { toolKey } from "./tool-names.js";
import { validateRbac } from "./validate.js";

export { BUILTIN_ROLES } from "./builtin-roles.js";

export const DEFAULT_IMPLICIT_ADMIN_PRINCIPAL = "owner";

function nonEmptySet(list: readonly string[] | undefined, map: (s: string) => string = (s) => s): Set<string> | null {
  return list !== undefined && list.length > 0 ? new Set(list.map(map)) : null;
}

/** Precomputes a (validated) role's sets so decisions are set lookups. */
export function resolveRole(id: string, config: Readonly<RbacRoleConfig>, builtin: boolean): ResolvedRole {
  const permissions = [...new Set(config.permissions.filter(isPermission))] as Permission[];
  return Object.freeze({
    id,
    name: config.name ?? id,
    permissions: Object.freeze(permissions),
    effective: expandPermissions(permissions),
    agents: nonEmptySet(config.agents),
    toolAllow: nonEmptySet(config.tools?.allow, toolKey),
    toolDeny: new Set((config.tools?.deny ?? []).map(toolKey)),
    builtin,
  });
}

/**
 * Validates the `rbac` section (every error, with its path) and builds the
 * policy. Config roles replace built-in roles of the same id entirely.
 */
export function buildPolicy(
  rbac: RbacConfig,
  opts: BuildPolicyOptions = {},
): { policy: Policy } | { errors: PolicyConfigError[] } {
  const errors = validateRbac(rbac, opts);
  if (errors.length > 0) return { errors };

  const roles = new Map<string, ResolvedRole>();
  for (const [id, role] of Object.entries(BUILTIN_ROLES)) roles.set(id, resolveRole(id, role, true));
  for (const [id, role] of Object.entries(rbac.roles ?? {})) roles.set(id, resolveRole(id, role, false));

  return {
    policy: new Policy({
      enabled: rbac.enabled,
      roles,
      assignments: new Map(Object.entries(rbac.assignments ?? {})),
      defaultRole: rbac.defaultRole,
      implicitAdminPrincipal: opts.implicitAdminPrincipal ?? DEFAULT_IMPLICIT_ADMIN_PRINCIPAL,
    }),
  };
}
