/**
 * Which changes between two configs weaken a security control. Reported as key
 * paths (never values) in the `config.change` audit line's `metadata.weakened`
 * and in a warning; the change is still applied. The rules are listed in
 * docs/configuration.md ("Changes that weaken a control").
 */
import { isLoopbackBind } from "./load.js";
import { formatKeyPath } from "./key-path.js";
import type { Config } from "./schema.js";

const added = (before: readonly string[] | undefined, after: readonly string[] | undefined): boolean =>
  (after ?? []).some((x) => !(before ?? []).includes(x));
const removed = (before: readonly string[] | undefined, after: readonly string[] | undefined): boolean => added(after, before);

export function weakenedControls(a: Config, b: Config): string[] {
  const out: string[] = [];
  const flag = (cond: boolean, ...segs: PropertyKey[]): void => {
    if (cond) out.push(formatKeyPath(segs));
  };
  const ga = a.gateway;
  const gb = b.gateway;
  flag(ga.auth.mode !== gb.auth.mode, "gateway", "auth", "mode");
  flag(!ga.auth.allowTailscale && gb.auth.allowTailscale, "gateway", "auth", "allowTailscale");
  flag(gb.auth.lockout.maxFailures > ga.auth.lockout.maxFailures, "gateway", "auth", "lockout", "maxFailures");
  flag(gb.auth.lockout.lockoutMs < ga.auth.lockout.lockoutMs, "gateway", "auth", "lockout", "lockoutMs");
  flag(ga.rateLimit.enabled && !gb.rateLimit.enabled, "gateway", "rateLimit", "enabled");
  flag(ga.audit.enabled && !gb.audit.enabled, "gateway", "audit", "enabled");
  flag(gb.audit.retentionDays > 0 && (ga.audit.retentionDays === 0 || gb.audit.retentionDays < ga.audit.retentionDays), "gateway", "audit", "retentionDays");
  flag(isLoopbackBind(ga.bind) && !isLoopbackBind(gb.bind), "gateway", "bind");
  flag(added(ga.trustedProxies, gb.trustedProxies), "gateway", "trustedProxies");
  flag(added(ga.allowedOrigins, gb.allowedOrigins), "gateway", "allowedOrigins");

  flag(a.rbac.enabled && !b.rbac.enabled, "rbac", "enabled");
  // Roles and assignments matter while RBAC is on before and after (turning it off is judged above).
  if (a.rbac.enabled && b.rbac.enabled) rbacWeakened(a, b, flag);

  const ea = a.approvals.exec;
  const eb = b.approvals.exec;
  flag(ea.enabled && !eb.enabled, "approvals", "exec", "enabled");
  flag(ea.enabled && eb.enabled && removed(ea.requireApproval, eb.requireApproval), "approvals", "exec", "requireApproval");

  flag(a.tools.policy === "sandbox" && b.tools.policy === "host", "tools", "policy");
  flag(removed(a.tools.exec.blocklist, b.tools.exec.blocklist), "tools", "exec", "blocklist");
  return out;
}


function rbacWeakened(a: Config, b: Config, flag: (cond: boolean, ...segs: PropertyKey[]) => void): void {
  flag(a.rbac.defaultRole !== b.rbac.defaultRole && b.rbac.defaultRole !== undefined, "rbac", "defaultRole");
  for (const [id, role] of Object.entries(a.rbac.roles)) {
    const next = b.rbac.roles[id];
    if (!next) {
      flag(true, "rbac", "roles", id);
      continue;
    }
    flag(added(role.permissions, next.permissions), "rbac", "roles", id, "permissions");
    flag(role.agents !== undefined && (next.agents === undefined || added(role.agents, next.agents)), "rbac", "roles", id, "agents");
    flag(removed(role.tools?.deny, next.tools?.deny), "rbac", "roles", id, "tools", "deny");
    const allowA = role.tools?.allow;
    const allowB = next.tools?.allow;
    flag(allowA !== undefined && (allowB === undefined || added(allowA, allowB)), "rbac", "roles", id, "tools", "allow");
  }
  for (const [who, role] of Object.entries(b.rbac.assignments)) flag(a.rbac.assignments[who] !== role, "rbac", "assignments", who);
}
