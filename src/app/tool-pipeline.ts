/**
 * The one pipeline every tool call goes through, for HTTP and WebSocket alike
 * (DESIGN.md): agent → tool → RBAC (agent, tool rules, permission) → args →
 * for bash: parse → blocklist → exec / exec.elevated → approval → run.
 * Every stage that says no throws a GatewayError with the reason and writes
 * one audit line first; nothing runs after a denial or when the audit log
 * cannot record the decision.
 */
import type { GatewayMetrics } from "../metrics/gateway-metrics.js";
import { GatewayError } from "../core/errors.js";
import type { AuditSink } from "../core/audit-types.js";
import type { Principal } from "../core/principal.js";
import type { Permission } from "../policy/index.js";
import { builtinTools, parseToolArgs } from "../tools/registry.js";
import type { ToolContext } from "../tools/types.js";
import { analyzeCommand } from "../exec/analyze.js";
import { matchBlocklist } from "../exec/blocklist.js";
import type { ApprovalManager } from "../approvals/approval-manager.js";
import { actorFor, type ClientInfo } from "./client.js";
import { markAudited } from "./rejections.js";
import type { Runtime } from "./runtime.js";
import { createCommandSlots, type CommandSlots } from "../ratelimit/command-slots.js";

export interface InvokeContext {
  principal: Principal;
  client: ClientInfo;
  /** Effective permissions of a WebSocket connection (granted scopes); undefined for HTTP. */
  scopes?: ReadonlySet<Permission>;
  connId?: string;
  signal?: AbortSignal;
  /** Told when a command waits for an approver and when the decision comes (agent runs emit `approval` events). */
  onApproval?: (n: { phase: "requested" | "resolved"; approvalId: string; command: string; status: string }) => void;
}

export interface InvokeRequest {
  tool: string;
  args: Record<string, unknown>;
  agentId?: string | undefined;
}

export interface PipelineDeps {
  runtime(): Runtime;
  /** Tool latency and outcome (src/metrics); absent in unit tests that do not measure. */
  metrics?: GatewayMetrics;
  audit: AuditSink;
  approvals(): ApprovalManager;
  hiddenPaths: string[];
  /** Running-command caps (tools.exec.maxConcurrent*); one per gateway. Absent: a fresh set per pipeline deps object. */
  commandSlots?: CommandSlots;
}

const SHELL_TOOLS = new Set(["bash", "exec"]);

export async function invokeTool(deps: PipelineDeps, ctx: InvokeContext, req: InvokeRequest): Promise<unknown> {
  if (!deps.metrics) return runPipeline(deps, ctx, req);
  const started = performance.now();
  let outcome = "ok";
  try {
    return await runPipeline(deps, ctx, req);
  } catch (e) {
    outcome = e instanceof GatewayError ? e.code : "INTERNAL";
    throw e;
  } finally {
    deps.metrics.toolDone(req.tool, (performance.now() - started) / 1000, outcome);
  }
}

async function runPipeline(deps: PipelineDeps, ctx: InvokeContext, req: InvokeRequest): Promise<unknown> {
  const runtime = deps.runtime();
  const actor = actorFor(ctx.principal, ctx.client);
  const traceId = ctx.client.traceId;
  const audit = (type: string, outcome: "success" | "failure" | "denied" | "pending", metadata: Record<string, unknown>) =>
    deps.audit.append({ type, actor, outcome, ...(traceId ? { traceId } : {}), metadata });

  const agentId = req.agentId ?? "main";
  const agent = runtime.agents.get(agentId);
  if (!agent) throw new GatewayError("NOT_FOUND", `unknown agent ${JSON.stringify(agentId.slice(0, 64))}`, { details: { code: "AGENT_NOT_FOUND" } });
  const tool = builtinTools.get(req.tool);
  if (!tool) throw new GatewayError("NOT_FOUND", `unknown tool ${JSON.stringify(req.tool.slice(0, 64))}`, { details: { code: "TOOL_NOT_FOUND" } });

  const decision = runtime.policy.authorizeTool({
    principalId: ctx.principal.id,
    agentId,
    tool: tool.name,
    mutates: tool.mutates,
    ...(ctx.scopes ? { scopes: ctx.scopes } : {}),
  });
  if (!decision.allow) {
    await audit("rbac.denied", "denied", {
      reason: decision.reason,
      tool: tool.name,
      agentId,
      ...(decision.permission ? { permission: decision.permission } : {}),
      ...(decision.roleId ? { role: decision.roleId } : {}),
    });
    throw markAudited(new GatewayError("FORBIDDEN", decision.message, { details: { reason: decision.reason } }));
  }

  const args = parseToolArgs(tool, req.args) as Record<string, unknown>;
  const toolCtx: ToolContext = {
    agentId,
    workspace: agent.workspace,
    policy: runtime.config.tools.policy,
    limits: runtime.toolLimits,
    hiddenPaths: deps.hiddenPaths,
    bwrapPath: runtime.config.tools.exec.bwrapPath,
    sandbox: runtime.config.tools.sandbox,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };

  if (SHELL_TOOLS.has(req.tool)) {
    const command = String(args.command);
    return runCommand(deps, runtime, ctx, { command, agentId, toolCtx, args, audit, run: (a, c) => tool.run(a, c) });
  }

  if (tool.mutates) {
    // Writes are recorded before they happen: if the log cannot take it, nothing is written.
    await audit("tool.invoke", "success", { tool: tool.name, agentId, path: typeof args.path === "string" ? args.path : undefined });
  }
  return tool.run(args, toolCtx);
}

async function runCommand(
  deps: PipelineDeps,
  runtime: Runtime,
  ctx: InvokeContext,
  c: {
    command: string;
    agentId: string;
    toolCtx: ToolContext;
    args: Record<string, unknown>;
    /** The shell tool itself (bash, or its exec alias). */
    run: (args: Record<string, unknown>, ctx: ToolContext) => Promise<unknown>;
    audit: (type: string, outcome: "success" | "failure" | "denied" | "pending", m: Record<string, unknown>) => Promise<void>;
  },
): Promise<unknown> {
  const { command, agentId, toolCtx, audit } = c;
  const analysis = analyzeCommand(command, { cwd: toolCtx.workspace });
  if (!analysis.ok) {
    await audit("exec.reject", "denied", { reason: "parse_error", command, agentId });
    throw markAudited(
      new GatewayError("INVALID_REQUEST", `command could not be parsed: ${analysis.parseError ?? "syntax error"}`, {
        details: { reason: "parse_error" },
      }),
    );
  }
  const blocked = matchBlocklist(runtime.blocklist, analysis);
  if (blocked) {
    await audit("exec.reject", "denied", { reason: "blocklist", entry: blocked.entry, command, agentId });
    throw markAudited(
      new GatewayError("BLOCKED", `command blocked by tools.exec.blocklist entry ${JSON.stringify(blocked.entry)}`, {
        details: { reason: "blocklist", entry: blocked.entry },
      }),
    );
  }
  const classes = [...analysis.classes];
  const perm = runtime.policy.authorizeCommand({
    principalId: ctx.principal.id,
    classes,
    ...(ctx.scopes ? { scopes: ctx.scopes } : {}),
  });
  if (!perm.allow) {
    await audit("rbac.denied", "denied", {
      reason: perm.reason,
      permission: perm.permission ?? (classes.includes("elevated") ? "exec.elevated" : "exec"),
      tool: "bash",
      agentId,
      classes,
      ...(perm.roleId ? { role: perm.roleId } : {}),
    });
    throw markAudited(new GatewayError("FORBIDDEN", perm.message, { details: { reason: perm.reason } }));
  }

  const approvalCfg = runtime.config.approvals.exec;
  const needs = approvalCfg.enabled ? classes.filter((k) => (approvalCfg.requireApproval as readonly string[]).includes(k)) : [];
  const meta = { command, agentId, classes, cwd: toolCtx.workspace };
  if (needs.length === 0) {
    const slot = await takeSlot(deps, runtime, ctx, audit, meta);
    try {
      await audit("exec.request", "success", { ...meta, approvalRequired: false });
      return await c.run(c.args, toolCtx);
    } finally {
      slot.release();
    }
  }

  const manager = deps.approvals();
  const pending = manager.request({
    command,
    cwd: toolCtx.workspace,
    agentId,
    requester: { id: ctx.principal.id, ...(ctx.connId ? { connId: ctx.connId } : {}), remoteIp: ctx.client.ip },
    classes,
    ...(ctx.client.traceId ? { traceId: ctx.client.traceId } : {}),
  });
  // If this cannot be recorded the caller gets UNAVAILABLE and nothing will run, whatever an approver decides.
  await audit("exec.request", "pending", { ...meta, approvalRequired: true, approvalId: pending.id, expiresAtMs: pending.expiresAtMs });
  ctx.onApproval?.({ phase: "requested", approvalId: pending.id, command, status: "pending" });
  // The requester going away (socket closed) withdraws the request: nothing will run for nobody.
  const withdraw = (): void => void manager.cancel(pending.id, "requester_disconnected");
  if (ctx.signal?.aborted) withdraw();
  else ctx.signal?.addEventListener("abort", withdraw, { once: true });
  const outcome = await pending.decision;
  ctx.signal?.removeEventListener("abort", withdraw);
  const deciderActor = outcome.decider
    ? { type: "user" as const, id: outcome.decider, ...(outcome.deciderRemoteIp ? { remoteIp: outcome.deciderRemoteIp } : {}) }
    : { type: "system" as const, id: "gateway" };
  await deps.audit.append({
    type: outcome.decision === "approve" ? "exec.approve" : "exec.reject",
    actor: deciderActor,
    outcome: outcome.decision === "approve" ? "success" : "denied",
    ...(ctx.client.traceId ? { traceId: ctx.client.traceId } : {}),
    metadata: { approvalId: pending.id, requester: ctx.principal.id, reason: outcome.reason, command: outcome.request.command, agentId },
  });
  ctx.onApproval?.({
    phase: "resolved",
    approvalId: pending.id,
    command,
    status: outcome.decision === "approve" ? "approved" : outcome.reason === "timeout" ? "timeout" : "rejected",
  });
  if (outcome.decision !== "approve") {
    const timeout = outcome.reason === "timeout";
    throw markAudited(
      new GatewayError(timeout ? "APPROVAL_TIMEOUT" : "APPROVAL_DENIED", timeout ? "approval timed out" : `approval rejected${outcome.reason ? `: ${outcome.reason}` : ""}`, {
        details: { approvalId: pending.id, reason: outcome.reason },
      }),
    );
  }
  // Exactly what the approver saw: the frozen snapshot's command, cwd and agent.
  const approved = outcome.request;
  const slot = await takeSlot(deps, runtime, ctx, audit, { command: approved.command, agentId: approved.agentId, classes, approvalId: pending.id });
  try {
    return await c.run({ ...c.args, command: approved.command }, { ...toolCtx, workspace: approved.cwd, agentId: approved.agentId });
  } finally {
    slot.release();
  }
}

const fallbackSlots = new WeakMap<PipelineDeps, CommandSlots>();

/**
 * A running-command slot under tools.exec.maxConcurrent / maxConcurrentPerPrincipal,
 * or an audited RATE_LIMITED refusal (nothing runs, nothing is queued).
 */
async function takeSlot(
  deps: PipelineDeps,
  runtime: Runtime,
  ctx: InvokeContext,
  audit: (type: string, outcome: "success" | "failure" | "denied" | "pending", m: Record<string, unknown>) => Promise<void>,
  meta: Record<string, unknown>,
): Promise<{ release(): void }> {
  let slots = deps.commandSlots ?? fallbackSlots.get(deps);
  if (!slots) fallbackSlots.set(deps, (slots = createCommandSlots()));
  const exec = runtime.config.tools.exec;
  const got = slots.acquire(ctx.principal.id, exec);
  if (got.ok) return got;
  const { scope, limit } = got.refusal;
  const key = scope === "gateway" ? "tools.exec.maxConcurrent" : "tools.exec.maxConcurrentPerPrincipal";
  await audit("exec.reject", "denied", { ...meta, reason: "concurrency_limit", scope, limit });
  const whose = scope === "gateway" ? "on this gateway" : "for this principal";
  throw markAudited(
    new GatewayError("RATE_LIMITED", `too many commands running ${whose} (limit ${limit}, ${key}); retry when one has finished`, {
      retryAfterMs: 1000,
      details: { reason: "concurrency_limit", scope, limit },
    }),
  );
}
