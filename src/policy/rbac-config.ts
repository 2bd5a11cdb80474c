/** The `rbac` config section as the config layer hands it over (already parsed from YAML). */
export interface RbacRoleConfig {
  name?: string;
  permissions: string[];
  agents?: string[];
  tools?: { allow?: string[]; deny?: string[] };
}

export interface RbacConfig {
  enabled: boolean;
  defaultRole?: string;
  roles: Record<string, RbacRoleConfig>;
  /** Principal id → role id. */
  assignments: Record<string, string>;
}

export interface BuildPolicyOptions {
  /** The shared-secret principal (`gateway.auth.principal`); with no assignment it holds `admin`. Default `owner`. */
  implicitAdminPrincipal?: string;
  /** When given, every `agents` entry must name one of these. */
  knownAgents?: readonly string[];
  /** When given, every `tools.allow` / `tools.deny` entry must name one of these (`exec` and `bash` are one tool). */
  knownTools?: readonly string[];
}

export interface PolicyConfigError {
  /** e.g. `rbac.roles.devops.permissions[2]` or `rbac.assignments["x@y"]`. */
  path: string;
  message: string;
}
