/**
 * The closed list of RBAC permissions, what each one implies, and the OpenClaw
 * client scopes (claims made at connect) mapped onto them.
 *
 * Permissions are grants, never restrictions: a role holds the union of what
 * its permissions imply.
 * - `read-only`     tools that change nothing (`mutates: false`), nothing else
 * - `exec`          any tool (subject to the role's tool rules) and commands; implies `read-only`
 * - `exec.elevated` also commands classified `elevated`; implies `exec`
 * - `exec.approve`  deciding exec approvals
 * - `admin`         every permission, plus gateway administration
 */
export const PERMISSIONS = ["exec", "exec.elevated", "exec.approve", "admin", "read-only"] as const;
export type Permission = (typeof PERMISSIONS)[number];

const PERMISSION_SET: ReadonlySet<string> = new Set(PERMISSIONS);

export function isPermission(value: unknown): value is Permission {
  return typeof value === "string" && PERMISSION_SET.has(value);
}

/** Each permission and everything it implies (itself included). */
const IMPLIES: Readonly<Record<Permission, readonly Permission[]>> = {
  admin: PERMISSIONS,
  "exec.elevated": ["exec.elevated", "exec", "read-only"],
  exec: ["exec", "read-only"],
  "exec.approve": ["exec.approve"],
  "read-only": ["read-only"],
};

/** For each permission, the permissions that imply it (itself included). */
const IMPLIED_BY: Readonly<Record<Permission, readonly Permission[]>> = {
  admin: ["admin"],
  "exec.elevated": ["exec.elevated", "admin"],
  exec: ["exec", "exec.elevated", "admin"],
  "exec.approve": ["exec.approve", "admin"],
  "read-only": ["read-only", "exec", "exec.elevated", "admin"],
};

/** True when the set holds the permission directly or through one that implies it. */
export function holds(set: ReadonlySet<string>, perm: Permission): boolean {
  if (!isPermission(perm)) return false;
  for (const q of IMPLIED_BY[perm]) if (set.has(q)) return true;
  return false;
}

/** The closure of a permission list under implication. */
export function expandPermissions(perms: Iterable<Permission>): Set<Permission> {
  const out = new Set<Permission>();
  for (const p of perms) for (const q of IMPLIES[p]) out.add(q);
  return out;
}

/**
 * OpenClaw operator scopes. `requires` is the permission a role must hold for
 * the scope to be granted; `ceiling` is what the scope lets a connection use.
 * `operator.write` covers the whole exec family (OpenClaw has no separate
 * elevated scope), so `exec.elevated` survives it when the role holds it.
 */
export const SCOPES = {
  "operator.read": { requires: "read-only", ceiling: IMPLIES["read-only"] },
  "operator.write": { requires: "exec", ceiling: IMPLIES["exec.elevated"] },
  "operator.approvals": { requires: "exec.approve", ceiling: IMPLIES["exec.approve"] },
  "operator.admin": { requires: "admin", ceiling: IMPLIES.admin },
  "operator.pairing": { requires: "admin", ceiling: IMPLIES.admin },
} as const satisfies Record<string, { requires: Permission; ceiling: readonly Permission[] }>;
export type Scope = keyof typeof SCOPES;

export function isScope(value: unknown): value is Scope {
  return typeof value === "string" && Object.hasOwn(SCOPES, value);
}

export interface ScopeGrant {
  /** The scopes the connection really holds (reported back in hello-ok). */
  granted: string[];
  /** What the connection may use: role permissions narrowed by the granted scopes. */
  effective: Set<Permission>;
}

/**
 * Grants the requested scopes the role allows; unknown scopes and scopes the
 * role does not cover are dropped (never an error, never a widening).
 * No scopes requested (HTTP bearer, a client that sends `[]` or no list at
 * all): the full role, and `granted` lists every scope the role covers.
 */
export function grantScopes(requested: readonly string[] | undefined, rolePermissions: Iterable<Permission>): ScopeGrant {
  const role = expandPermissions(rolePermissions);
  if (!Array.isArray(requested) || requested.length === 0) {
    const granted = (Object.keys(SCOPES) as Scope[]).filter((s) => role.has(SCOPES[s].requires));
    return { granted, effective: role };
  }
  const granted: string[] = [];
  const effective = new Set<Permission>();
  for (const scope of new Set(requested)) {
    if (!isScope(scope) || !role.has(SCOPES[scope].requires)) continue;
    granted.push(scope);
    for (const p of SCOPES[scope].ceiling) if (role.has(p)) effective.add(p);
  }
  return { granted, effective };
}
