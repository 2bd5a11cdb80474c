import { checkAgent } from "./criteria/agent.js";
import { checkPermission } from "./criteria/permission.js";
import { checkScope } from "./criteria/scope.js";
import { checkToolPermission, toolPermission } from "./criteria/tool-permission.js";
import { checkToolRules } from "./criteria/tool-rules.js";
import type { Permission, ScopeGrant } from "./permissions.js";
import { PERMISSIONS, grantScopes, isPermission } from "./permissions.js";
import type { Allow, Decision, Deny } from "./reasons.js";
import { quoteName } from "./reasons.js";
import type { ResolvedRole } from "./resolved-role.js";

export type CommandClass = "elevated" | "destructive";

export interface RoleBinding {
  readonly roleId: string;
  readonly role: ResolvedRole;
}

export interface ToolQuery {
  principalId: string;
  /** The resolved agent (the integrator fills in the default agent). */
  agentId: string;
  tool: string;
  /** From the tool definition: false for read, search, glob. */
  mutates: boolean;
  /** The connection's effective permissions from grantScopes; omit for no narrowing. */
  scopes?: ReadonlySet<Permission>;
}

export interface CommandQuery {
  principalId: string;
  classes: readonly (CommandClass | string)[];
  scopes?: ReadonlySet<Permission>;
}

export interface PolicyState {
  enabled: boolean;
  roles: ReadonlyMap<string, ResolvedRole>;
  assignments: ReadonlyMap<string, string>;
  defaultRole: string | undefined;
  implicitAdminPrincipal: string;
}

const ALLOW_NO_ROLE: Allow = Object.freeze({ allow: true });
const ALL_PERMISSIONS: ReadonlySet<Permission> = new Set(PERMISSIONS);
const NO_PERMISSIONS: ReadonlySet<Permission> = new Set();
const NO_ROLE: Deny = Object.freeze({
  allow: false,
  reason: "no_role",
  message: "no role is assigned to this principal and there is no default role",
});

/** A caller asking about a permission outside the closed list is always refused. */
function unknownPermission(permission: string): Deny {
  return { allow: false, reason: "missing_permission", permission, message: `unknown permission ${quoteName(String(permission))}` };
}

/** RBAC decisions. Built by buildPolicy; every lookup is precomputed. */
export class Policy {
  readonly enabled: boolean;
  private readonly bindings = new Map<string, RoleBinding>();
  private readonly allows = new Map<string, Allow>();
  private readonly implicitAdmin: RoleBinding | undefined;
  private readonly fallback: RoleBinding | undefined;
  private readonly implicitAdminPrincipal: string;
  private readonly roleList: readonly ResolvedRole[];

  constructor(state: PolicyState) {
    this.enabled = state.enabled;
    this.implicitAdminPrincipal = state.implicitAdminPrincipal;
    this.roleList = Object.freeze([...state.roles.values()]);
    const bind = (roleId: string): RoleBinding | undefined => {
      const role = state.roles.get(roleId);
      return role && Object.freeze({ roleId, role });
    };
    for (const role of state.roles.values()) this.allows.set(role.id, Object.freeze({ allow: true, roleId: role.id }));
    for (const [principal, roleId] of state.assignments) {
      const binding = bind(roleId);
      if (binding) this.bindings.set(principal, binding);
    }
    this.implicitAdmin = bind("admin");
    this.fallback = state.defaultRole === undefined ? undefined : bind(state.defaultRole);
  }

  /** Assignment, else `admin` for the shared-secret principal, else defaultRole; undefined if none. */
  roleOf(principalId: string): RoleBinding | undefined {
    const assigned = this.bindings.get(principalId);
    if (assigned !== undefined) return assigned;
    return principalId === this.implicitAdminPrincipal ? this.implicitAdmin : this.fallback;
  }

  /** All roles (built-in and configured), for status and doctor output. */
  roles(): readonly ResolvedRole[] {
    return this.roleList;
  }

  /** What the principal may use before scopes: everything when RBAC is off, nothing without a role. */
  permissionsOf(principalId: string): ReadonlySet<Permission> {
    if (!this.enabled) return ALL_PERMISSIONS;
    return this.roleOf(principalId)?.role.effective ?? NO_PERMISSIONS;
  }

  /** The scopes a connecting principal gets (see grantScopes in permissions.ts). */
  grantScopes(principalId: string, requested: readonly string[] | undefined): ScopeGrant {
    return grantScopes(requested, this.permissionsOf(principalId));
  }

  authorizeTool(q: ToolQuery): Decision {
    const needed = toolPermission(q.mutates);
    if (!this.enabled) return checkScope(q.scopes, needed, undefined) ?? ALLOW_NO_ROLE;
    const binding = this.roleOf(q.principalId);
    if (binding === undefined) return NO_ROLE;
    const role = binding.role;
    return (
      checkAgent(role, q.agentId) ??
      checkToolRules(role, q.tool) ??
      checkToolPermission(role, q.tool, q.mutates) ??
      checkScope(q.scopes, needed, role.id) ??
      this.allowFor(role)
    );
  }

  /** A parsed command: `elevated` needs exec.elevated, everything else needs exec. */
  authorizeCommand(q: CommandQuery): Decision {
    return this.hasPermission(q.principalId, q.classes.includes("elevated") ? "exec.elevated" : "exec", q.scopes);
  }

  hasPermission(principalId: string, permission: Permission, scopes?: ReadonlySet<Permission>): Decision {
    if (!isPermission(permission)) return unknownPermission(permission);
    if (!this.enabled) return checkScope(scopes, permission, undefined) ?? ALLOW_NO_ROLE;
    const binding = this.roleOf(principalId);
    if (binding === undefined) return NO_ROLE;
    const role = binding.role;
    return checkPermission(role, permission) ?? checkScope(scopes, permission, role.id) ?? this.allowFor(role);
  }

  private allowFor(role: ResolvedRole): Allow {
    return this.allows.get(role.id) ?? { allow: true, roleId: role.id };
  }
}
