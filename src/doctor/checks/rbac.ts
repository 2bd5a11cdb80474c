/**
 * RBAC: on, valid, least privilege for the fallback role, and an inventory of
 * who holds admin. Guide: "Configure RBAC with least-privilege roles",
 * "Review RBAC assignments when team changes".
 *
 * Decision: admin assignments are listed as one `pass` finding (an inventory to
 * review), not a warning — a deployment needs an admin, and a warning every
 * run would teach operators to ignore doctor. A default role that grants admin
 * is a warning: every unassigned principal would be an administrator.
 */
import { buildPolicy } from "../../policy/index.js";
import type { Policy } from "../../policy/index.js";
import { skippedForInvalidConfig } from "../skipped.js";
import type { DoctorContext, Finding } from "../types.js";

export async function rbacCheck(ctx: DoctorContext): Promise<Finding[]> {
  if (!ctx.loaded) return [skippedForInvalidConfig("rbac")];
  const { config } = ctx.loaded;
  const built = buildPolicy(config.rbac, { implicitAdminPrincipal: config.gateway.auth.principal });
  if ("errors" in built) {
    return built.errors.map((e) => ({
      check: "rbac",
      id: "rbac.invalid",
      status: "fail",
      subject: e.path,
      message: e.message,
      fix: "correct the rbac section (roles, permissions, assignments must name existing roles)",
    }));
  }
  const policy = built.policy;
  const out: Finding[] = [];
  // A role may name an agent that is not configured (the guide's devops role names `deploy`): it then reaches nothing there.
  for (const [roleId, role] of Object.entries(config.rbac.roles)) {
    (role.agents ?? []).forEach((agent, i) => {
      if (config.agents[agent] === undefined)
        out.push({
          check: "rbac",
          id: "rbac.unknown-agent",
          status: "warn",
          subject: `rbac.roles.${roleId}.agents[${i}]`,
          message: `agent ${JSON.stringify(agent)} is not configured under agents`,
          fix: `add agents.${agent} (with its workspace) or remove it from the role`,
        });
    });
  }
  if (!config.rbac.enabled) {
    out.push({
      check: "rbac",
      id: "rbac.enabled",
      status: "warn",
      subject: "rbac.enabled",
      message: "RBAC is off: every authenticated principal holds every permission",
      fix: "set rbac.enabled: true with a least-privilege defaultRole (e.g. viewer or user) and assignments",
    });
    return out;
  }
  out.push({ check: "rbac", id: "rbac.enabled", status: "pass", subject: "rbac.enabled", message: "RBAC is on" });
  out.push(defaultRoleFinding(policy, config.rbac.defaultRole));
  out.push(adminInventory(policy, config.rbac.assignments, config.gateway.auth.principal));
  return out;
}

function defaultRoleFinding(policy: Policy, defaultRole: string | undefined): Finding {
  const subject = "rbac.defaultRole";
  if (defaultRole === undefined) {
    return { check: "rbac", id: "rbac.default-role", status: "pass", subject, message: "no default role: unassigned principals are denied" };
  }
  const role = policy.roles().find((r) => r.id === defaultRole);
  if (role?.effective.has("admin")) {
    return {
      check: "rbac",
      id: "rbac.default-role",
      status: "warn",
      subject,
      message: `the default role "${defaultRole}" grants admin to every unassigned principal`,
      fix: "set rbac.defaultRole to a least-privilege role (viewer or user) and assign admin explicitly",
    };
  }
  return { check: "rbac", id: "rbac.default-role", status: "pass", subject, message: `unassigned principals get "${defaultRole}" (no admin)` };
}

function adminInventory(policy: Policy, assignments: Readonly<Record<string, string>>, implicitAdmin: string): Finding {
  const admins = Object.keys(assignments).filter((p) => policy.roleOf(p)?.role.effective.has("admin"));
  if (!Object.hasOwn(assignments, implicitAdmin) && policy.roleOf(implicitAdmin)?.role.effective.has("admin")) {
    admins.push(`${implicitAdmin} (shared token/password, implicit)`);
  }
  return {
    check: "rbac",
    id: "rbac.admin-assignments",
    status: "pass",
    subject: "rbac.assignments",
    message:
      admins.length === 0
        ? "no principal holds admin"
        : `principals holding admin (review when the team changes): ${admins.join(", ")}`,
  };
}
