/**
 * WebSocket method handlers. Dispatch checks the declarative table in
 * protocol/methods.ts first (one place), then validates params, then calls
 * the handler. Unknown methods are refused with INVALID_REQUEST.
 */
import { GatewayError } from "../core/errors.js";
import { METHOD_TABLE, METHOD_NAMES, isMethodName, type MethodName } from "../protocol/methods.js";
import { EVENTS } from "../protocol/frames.js";
import type { RequestFrame } from "../protocol/frames.js";
import type { AuditSink } from "../core/audit-types.js";
import { queryAudit, parseSince } from "../audit/audit-reader.js";
import type { PairingStore, PendingRequest } from "../auth/pairing-store.js";
import type { ApprovalManager } from "../approvals/approval-manager.js";
import { actorFor } from "./client.js";
import { markAudited } from "./rejections.js";
import { randomTraceId, traceIdFromTraceparent } from "../audit/trace-id.js";
import { invokeTool, type PipelineDeps } from "./tool-pipeline.js";
import { toolCatalog } from "./tool-catalog.js";
import type { Runtime } from "./runtime.js";
import type { Session } from "./session.js";
import { agentHandlers, type AgentMethodDeps } from "./agent-methods.js";
import { uiHandlers, type UiMethodDeps } from "./ui-methods.js";

export interface MethodDeps extends PipelineDeps, AgentMethodDeps, UiMethodDeps {
  runtime(): Runtime;
  audit: AuditSink;
  auditPath: string;
  pairing: PairingStore;
  approvals(): ApprovalManager;
  startedAtMs: number;
  version: string;
  connectionCount(): number;
  /** Closes every open connection of a device (revocation). */
  closeDeviceConnections(deviceId: string, reason: string): number;
  /** Tells connected admins a pairing decision was made. */
  broadcastPairResolved(payload: Record<string, unknown>): void;
}

type Handler = (deps: MethodDeps, session: Session, params: never, connId: string, requestId: string) => Promise<unknown>;

/** Records an administrative action; called before the action takes effect (fail closed). */
function auditAdmin(deps: MethodDeps, session: Session, type: string, metadata: Record<string, unknown>): Promise<void> {
  return deps.audit.append({ type, actor: actorFor(session.principal, session.client), outcome: "success", traceId: session.client.traceId, metadata });
}

function pendingRequest(deps: MethodDeps, idOrDevice: string): PendingRequest {
  const pending = deps.pairing.listPending().find((p) => p.requestId === idOrDevice || p.deviceId === idOrDevice);
  if (!pending) throw new GatewayError("INVALID_REQUEST", "no pending pairing request with that id", { details: { code: "PAIRING_REQUEST_NOT_FOUND" } });
  return pending;
}

function requirePaired(deps: MethodDeps, deviceId: string): void {
  if (!deps.pairing.getPaired(deviceId)) throw new GatewayError("INVALID_REQUEST", "no paired device with that id", { details: { code: "DEVICE_NOT_FOUND" } });
}

const handlers: { [M in MethodName]: Handler } = {
  ...uiHandlers,
  health: async () => ({ ok: true, ts: Date.now() }),
  status: async (deps, session) => ({
    version: deps.version,
    uptimeMs: Date.now() - deps.startedAtMs,
    principal: session.principal.id,
    rbacRole: session.rbacRole,
    connections: deps.connectionCount(),
    agents: [...deps.runtime().agents.keys()],
    pendingApprovals: deps.approvals().list().length,
  }),
  "tools.invoke": async (deps, session, params: { tool: string; args: Record<string, unknown>; agentId?: string }, connId) => ({
    ok: true,
    result: await invokeTool(
      deps,
      { principal: session.principal, client: session.client, scopes: session.scopes, connId, ...(session.signal ? { signal: session.signal } : {}) },
      params,
    ),
  }),
  "tools.catalog": async (deps, session, params: { agentId?: string }) =>
    toolCatalog(deps.runtime(), { principal: session.principal, scopes: session.scopes }, params.agentId),
  "exec.approval.list": async (deps) => ({ approvals: deps.approvals().list() }),
  "exec.approval.resolve": async (deps, session, params: { id: string; decision: "approve" | "reject"; reason?: string }) => {
    try {
      const outcome = deps.approvals().resolve(
        params.id,
        { id: session.principal.id, canApprove: session.scopes.has("exec.approve") || session.scopes.has("admin"), remoteIp: session.client.ip },
        params.decision,
        params.reason,
      );
      // The decision itself is audited by the waiting request before anything runs.
      return { id: params.id, decision: outcome.decision, reason: outcome.reason };
    } catch (e) {
      if (e instanceof GatewayError && e.code === "FORBIDDEN") {
        await deps.audit.append({
          type: "rbac.denied",
          actor: actorFor(session.principal, session.client),
          outcome: "denied",
          traceId: session.client.traceId,
          metadata: { method: "exec.approval.resolve", approvalId: params.id, reason: String(e.details?.code ?? "forbidden").toLowerCase() },
        });
        throw markAudited(e);
      }
      throw e;
    }
  },
  "exec.approval.mine": async (deps, session) => ({
    approvals: deps.approvals().list().filter((a) => a.requester.id === session.principal.id),
  }),
  "exec.approval.cancel": async (deps, session, params: { id: string }) => {
    const actor = actorFor(session.principal, session.client);
    try {
      deps.approvals().withdraw(params.id, session.principal.id);
    } catch (e) {
      if (e instanceof GatewayError && e.code === "FORBIDDEN") {
        await deps.audit.append({
          type: "exec.approval.cancel",
          actor,
          outcome: "denied",
          traceId: session.client.traceId,
          metadata: { approvalId: params.id, reason: "not_requester" },
        });
        throw markAudited(e);
      }
      throw e;
    }
    // The waiting request also records its ending (exec.reject, reason "cancelled by the requester").
    await deps.audit.append({ type: "exec.approval.cancel", actor, outcome: "success", traceId: session.client.traceId, metadata: { approvalId: params.id } });
    return { id: params.id, cancelled: true };
  },
  "device.pair.list": async (deps) => ({ pending: deps.pairing.listPending(), paired: deps.pairing.listPaired() }),
  "device.pair.approve": async (deps, session, params: { requestId: string; principal?: string }) => {
    const pending = pendingRequest(deps, params.requestId);
    // Without an explicit principal the device acts as itself (and falls to rbac.defaultRole).
    const principal = params.principal ?? pending.deviceId;
    // Recorded before it takes effect: a log that cannot take it means no pairing.
    await auditAdmin(deps, session, "pairing.approve", { deviceId: pending.deviceId, boundPrincipal: principal, requestId: pending.requestId });
    const { device } = await deps.pairing.approve(pending.requestId, principal);
    deps.broadcastPairResolved({ requestId: pending?.requestId ?? params.requestId, deviceId: device.deviceId, decision: "approved", principal: device.principal });
    return { device };
  },
  "device.pair.reject": async (deps, session, params: { requestId: string }) => {
    const pending = pendingRequest(deps, params.requestId);
    await auditAdmin(deps, session, "pairing.reject", { deviceId: pending.deviceId, requestId: pending.requestId });
    const req = await deps.pairing.reject(pending.requestId);
    deps.broadcastPairResolved({ requestId: req.requestId, deviceId: req.deviceId, decision: "rejected" });
    return { requestId: req.requestId, deviceId: req.deviceId };
  },
  "device.token.rotate": async (deps, session, params: { deviceId: string }) => {
    requirePaired(deps, params.deviceId);
    await auditAdmin(deps, session, "device.token.rotate", { deviceId: params.deviceId });
    const { deviceToken, device } = await deps.pairing.rotate(params.deviceId);
    // Connections that authenticated with the old token end now.
    const closed = deps.closeDeviceConnections(device.deviceId, "device token rotated");
    return { deviceId: device.deviceId, deviceToken, closedConnections: closed };
  },
  "device.token.revoke": async (deps, session, params: { deviceId: string }) => {
    requirePaired(deps, params.deviceId);
    await auditAdmin(deps, session, "device.token.revoke", { deviceId: params.deviceId });
    await deps.pairing.revoke(params.deviceId);
    const closed = deps.closeDeviceConnections(params.deviceId, "device revoked");
    return { deviceId: params.deviceId, revoked: true, closedConnections: closed };
  },
  "audit.query": async (deps, _session, params: { type?: string; actor?: string; outcome?: string; since?: string; limit: number }) => {
    let since: Date | undefined;
    try {
      since = params.since ? parseSince(params.since, Date.now()) : undefined;
    } catch (e) {
      throw new GatewayError("INVALID_REQUEST", (e as Error).message);
    }
    const records = await queryAudit(deps.auditPath, {
      ...(params.type ? { type: params.type } : {}),
      ...(params.actor ? { actor: params.actor } : {}),
      ...(params.outcome ? { outcome: params.outcome } : {}),
      ...(since ? { since } : {}),
      limit: params.limit,
    });
    return { records };
  },
  ...agentHandlers,
};

export const FEATURES = { methods: METHOD_NAMES as string[], events: [...EVENTS] as string[] };

/** The single authorisation point for WebSocket methods. */
export async function dispatch(deps: MethodDeps, baseSession: Session, frame: RequestFrame, connId: string): Promise<unknown> {
  // Each request is its own trace: the frame's W3C traceparent, else a fresh id.
  const traceId = traceIdFromTraceparent(frame.traceparent) ?? randomTraceId();
  const session = { ...baseSession, client: { ...baseSession.client, traceId } };
  if (!isMethodName(frame.method))
    throw new GatewayError("INVALID_REQUEST", `unknown method ${JSON.stringify(frame.method.slice(0, 64))}`, { details: { code: "UNKNOWN_METHOD" } });
  const entry = METHOD_TABLE[frame.method];
  if (entry.permission === "exec.approve" || entry.permission === "admin") {
    const d = deps.runtime().policy.hasPermission(session.principal.id, entry.permission, session.scopes);
    if (!d.allow) {
      await deps.audit.append({
        type: "rbac.denied",
        actor: actorFor(session.principal, session.client),
        outcome: "denied",
        ...(session.client.traceId ? { traceId: session.client.traceId } : {}),
        metadata: { method: frame.method, permission: entry.permission, reason: d.reason, ...(d.roleId ? { role: d.roleId } : {}) },
      });
      throw markAudited(new GatewayError("FORBIDDEN", d.message, { details: { reason: d.reason, permission: entry.permission } }));
    }
  }
  const parsed = entry.params.safeParse(frame.params ?? {});
  if (!parsed.success)
    throw new GatewayError("INVALID_REQUEST", `invalid params for ${frame.method}`, {
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
    });
  const handler = handlers[frame.method] as (d: MethodDeps, s: Session, p: unknown, c: string, r: string) => Promise<unknown>;
  return handler(deps, session, parsed.data, connId, frame.id);
}
