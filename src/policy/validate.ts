import { BUILTIN_ROLES } from "./builtin-roles.js";
import { indexPath, keyPath } from "./config-path.js";
import { isPermission } from "./permissions.js";
import type { BuildPolicyOptions, PolicyConfigError, RbacConfig } from "./rbac-config.js";
import { toolKey } from "./tool-names.js";

const RBAC_KEYS = new Set(["enabled", "defaultRole", "roles", "assignments"]);
const ROLE_KEYS = new Set(["name", "permissions", "agents", "tools"]);
const TOOLS_KEYS = new Set(["allow", "deny"]);

type Errors = PolicyConfigError[];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function unknownKeys(obj: Record<string, unknown>, allowed: ReadonlySet<string>, path: string, errors: Errors): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) errors.push({ path: keyPath(path, key), message: "unknown key" });
  }
}

/** Checks a list of names; `known` (when given) says which names exist. */
function checkNameList(
  value: unknown,
  path: string,
  what: "agent" | "tool",
  known: ((name: string) => boolean) | undefined,
  errors: Errors,
): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    errors.push({ path, message: `must be a list of ${what} names` });
    return;
  }
  value.forEach((name: unknown, i) => {
    const at = indexPath(path, i);
    if (typeof name !== "string" || name === "") errors.push({ path: at, message: `must be a non-empty ${what} name` });
    else if (known !== undefined && !known(name)) errors.push({ path: at, message: `unknown ${what} ${JSON.stringify(name)}` });
  });
}

function checkRole(id: string, role: unknown, opts: BuildPolicyOptions, errors: Errors): void {
  const path = keyPath("rbac.roles", id);
  if (id === "") errors.push({ path, message: "role id must not be empty" });
  if (!isRecord(role)) {
    errors.push({ path, message: "must be an object with a permissions list" });
    return;
  }
  unknownKeys(role, ROLE_KEYS, path, errors);
  if (role.name !== undefined && typeof role.name !== "string") {
    errors.push({ path: `${path}.name`, message: "must be a string" });
  }
  if (!Array.isArray(role.permissions)) {
    errors.push({ path: `${path}.permissions`, message: "must be a list of permissions" });
  } else {
    role.permissions.forEach((p: unknown, i) => {
      if (!isPermission(p)) {
        errors.push({ path: indexPath(`${path}.permissions`, i), message: `unknown permission ${JSON.stringify(p)}` });
      }
    });
  }
  const agents = opts.knownAgents === undefined ? undefined : new Set(opts.knownAgents);
  checkNameList(role.agents, `${path}.agents`, "agent", agents && ((a) => agents.has(a)), errors);
  if (role.tools === undefined) return;
  if (!isRecord(role.tools)) {
    errors.push({ path: `${path}.tools`, message: "must be an object with allow and/or deny lists" });
    return;
  }
  unknownKeys(role.tools, TOOLS_KEYS, `${path}.tools`, errors);
  const tools = opts.knownTools === undefined ? undefined : new Set(opts.knownTools.map(toolKey));
  const knownTool = tools && ((t: string) => tools.has(toolKey(t)));
  checkNameList(role.tools.allow, `${path}.tools.allow`, "tool", knownTool, errors);
  checkNameList(role.tools.deny, `${path}.tools.deny`, "tool", knownTool, errors);
}

/** Every problem in the `rbac` section, each with its config path; empty when valid. */
export function validateRbac(rbac: RbacConfig, opts: BuildPolicyOptions = {}): PolicyConfigError[] {
  const errors: Errors = [];
  if (!isRecord(rbac)) return [{ path: "rbac", message: "must be an object" }];
  unknownKeys(rbac, RBAC_KEYS, "rbac", errors);
  if (typeof rbac.enabled !== "boolean") errors.push({ path: "rbac.enabled", message: "must be true or false" });

  const roles: unknown = rbac.roles ?? {};
  const roleIds = new Set(Object.keys(BUILTIN_ROLES));
  if (!isRecord(roles)) {
    errors.push({ path: "rbac.roles", message: "must be a map of role id to role" });
  } else {
    for (const [id, role] of Object.entries(roles)) {
      roleIds.add(id);
      checkRole(id, role, opts, errors);
    }
  }

  const defaultRole: unknown = rbac.defaultRole;
  if (defaultRole !== undefined) {
    if (typeof defaultRole !== "string") errors.push({ path: "rbac.defaultRole", message: "must be a role id" });
    else if (!roleIds.has(defaultRole)) {
      errors.push({ path: "rbac.defaultRole", message: `unknown role ${JSON.stringify(defaultRole)}` });
    }
  }

  const assignments: unknown = rbac.assignments ?? {};
  if (!isRecord(assignments)) {
    errors.push({ path: "rbac.assignments", message: "must be a map of principal id to role id" });
    return errors;
  }
  for (const [principal, roleId] of Object.entries(assignments)) {
    const path = keyPath("rbac.assignments", principal);
    if (principal === "") errors.push({ path, message: "principal id must not be empty" });
    if (typeof roleId !== "string") errors.push({ path, message: "must be a role id" });
    else if (!roleIds.has(roleId)) errors.push({ path, message: `unknown role ${JSON.stringify(roleId)}` });
  }
  return errors;
}
