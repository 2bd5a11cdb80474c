/**
 * Command execution: sandbox policy with a working bubblewrap, approvals for
 * dangerous commands, and the guide's blocklist. Guide: "Command Execution Security".
 */
import { DEFAULT_BLOCKLIST } from "../../config/index.js";
import type { Config } from "../../config/index.js";
import { buildPolicy } from "../../policy/index.js";
import { skippedForInvalidConfig } from "../skipped.js";
import type { DoctorContext, Finding } from "../types.js";
import { factFindings } from "./sandbox-facts.js";

export async function sandboxCheck(ctx: DoctorContext): Promise<Finding[]> {
  if (!ctx.loaded) return [skippedForInvalidConfig("sandbox")];
  const { config } = ctx.loaded;
  const out: Finding[] = [];
  if (config.tools.policy === "host") {
    out.push({
      check: "sandbox",
      id: "sandbox.policy",
      status: "warn",
      subject: "tools.policy",
      message: 'tools run on the host ("host" policy): file tools and commands reach everything the gateway user can',
      fix: "set tools.policy: sandbox (needs bubblewrap)",
    });
  } else {
    const bwrap = config.tools.exec.bwrapPath;
    const probe = await ctx.checkSandbox(bwrap, config.tools.sandbox);
    out.push(
      probe.ok
        ? { check: "sandbox", id: "sandbox.bwrap", status: "pass", subject: "tools.exec.bwrapPath", message: `bubblewrap (${bwrap}) works: commands run sandboxed` }
        : {
            check: "sandbox",
            id: "sandbox.bwrap",
            status: "fail",
            subject: "tools.exec.bwrapPath",
            message: `tools.policy is sandbox but bubblewrap (${bwrap}) is unusable${probe.reason ? `: ${probe.reason}` : ""}; exec will be refused`,
            fix: "install bubblewrap (apt install bubblewrap / dnf install bubblewrap) or set tools.exec.bwrapPath",
          },
    );
    if (probe.ok && probe.facts) out.push(...factFindings(probe.facts, config.tools.sandbox));
  }
  out.push(approvalsFinding(config));
  out.push(blocklistFinding(config.tools.exec.blocklist));
  return out;
}

function approvalsFinding(config: Config): Finding {
  const a = config.approvals.exec;
  const subject = "approvals.exec.enabled";
  if (a.enabled && a.requireApproval.length > 0) {
    return { check: "sandbox", id: "sandbox.approvals", status: "pass", subject, message: `approval required for ${a.requireApproval.join(", ")} commands` };
  }
  if (!execPossible(config)) {
    return { check: "sandbox", id: "sandbox.approvals", status: "pass", subject, message: "approvals are off, but no role can run commands" };
  }
  return {
    check: "sandbox",
    id: "sandbox.approvals",
    status: "warn",
    subject: a.enabled ? "approvals.exec.requireApproval" : subject,
    message: "commands can run and elevated/destructive ones need no human approval",
    fix: "set approvals.exec.enabled: true with requireApproval: [elevated, destructive]",
  };
}

/** Whether some principal that can authenticate could run a command (bash tool plus exec permission). */
function execPossible(config: Config): boolean {
  const built = buildPolicy(config.rbac, { implicitAdminPrincipal: config.gateway.auth.principal });
  if ("errors" in built) return true; // the rbac check reports it; assume the worst here
  const policy = built.policy;
  if (!policy.enabled) return true;
  const principals = new Set<string>([config.gateway.auth.principal, ...Object.keys(config.rbac.assignments), ...config.gateway.auth.users.map((u) => u.id)]);
  if (config.rbac.defaultRole !== undefined) principals.add("\u0000unassigned");
  const agents = Object.keys(config.agents);
  for (const p of principals) {
    if (!policy.hasPermission(p, "exec").allow) continue;
    if (agents.some((agentId) => policy.authorizeTool({ principalId: p, agentId, tool: "bash", mutates: true }).allow)) return true;
  }
  return false;
}

function blocklistFinding(blocklist: readonly string[]): Finding {
  const missing = DEFAULT_BLOCKLIST.filter((e) => !blocklist.includes(e));
  if (missing.length === 0) {
    return { check: "sandbox", id: "sandbox.blocklist", status: "pass", subject: "tools.exec.blocklist", message: `${blocklist.length} blocked command pattern(s), including the guide's` };
  }
  return {
    check: "sandbox",
    id: "sandbox.blocklist",
    status: "warn",
    subject: "tools.exec.blocklist",
    message: `the blocklist lacks the guide's entries: ${missing.map((m) => JSON.stringify(m)).join(", ")}`,
    fix: "add them back to tools.exec.blocklist",
  };
}
