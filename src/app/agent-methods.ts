/**
 * WebSocket methods of agent runs (design/agents.md), wire-compatible with
 * OpenClaw clients: `agent` (two `res` frames on one id), `agent.wait`,
 * `chat.*`, `sessions.*`, `agents.list`, `models.list`. A session belongs to
 * its principal; naming another principal's sessions needs `admin` (audited).
 */
import { randomUUID } from "node:crypto";
import { GatewayError } from "../core/errors.js";
import type { MethodParams } from "../protocol/methods.js";
import { resolveModelRef } from "../config/index.js";
import type { RunOutcome, RunRecord } from "../agents/run-store.js";
import type { TranscriptEntry } from "../agents/types.js";
import { actorFor } from "./client.js";
import { markAudited } from "./rejections.js";
import { DEFAULT_AGENT_ID, ownerOf, type AgentRuns } from "./agent-wiring.js";
import type { Runtime } from "./runtime.js";
import type { Session } from "./session.js";
import type { AuditSink } from "../core/audit-types.js";

export interface AgentMethodDeps {
  runtime(): Runtime;
  audit: AuditSink;
  agents: AgentRuns;
  /** Sends an early `res` on the connection (the `agent` method's "accepted"). */
  interim(connId: string, requestId: string, payload: unknown): void;
}

type H<M extends keyof AgentParams> = (deps: AgentMethodDeps, session: Session, params: AgentParams[M], connId: string, requestId: string) => Promise<unknown>;
interface AgentParams {
  agent: MethodParams<"agent">;
  "agent.wait": MethodParams<"agent.wait">;
  "chat.send": MethodParams<"chat.send">;
  "chat.history": MethodParams<"chat.history">;
  "chat.abort": MethodParams<"chat.abort">;
  "sessions.list": MethodParams<"sessions.list">;
  "sessions.reset": MethodParams<"sessions.reset">;
  "sessions.delete": MethodParams<"sessions.delete">;
  "agents.list": MethodParams<"agents.list">;
  "models.list": MethodParams<"models.list">;
}

const owner = (s: Session) => ownerOf(s.principal, s.client, s.scopes);

/** The principal whose sessions a request touches: the caller, or (admin only) the one it names. */
async function sessionOwner(deps: AgentMethodDeps, s: Session, named: string | undefined, method: string, sessionKey?: string): Promise<string> {
  if (named === undefined || named === s.principal.id) return s.principal.id;
  const d = deps.runtime().policy.hasPermission(s.principal.id, "admin", s.scopes);
  if (!d.allow) {
    await deps.audit.append({
      type: "rbac.denied",
      actor: actorFor(s.principal, s.client),
      outcome: "denied",
      traceId: s.client.traceId,
      metadata: { method, permission: "admin", reason: d.reason, target: "other_principal_session" },
    });
    throw markAudited(new GatewayError("FORBIDDEN", "another principal's sessions need the admin permission", { details: { reason: d.reason } }));
  }
  // An admin reading or removing someone else's transcripts is recorded before it happens (no log line, no access).
  await deps.audit.append({
    type: "session.access",
    actor: actorFor(s.principal, s.client),
    outcome: "success",
    traceId: s.client.traceId,
    metadata: { method, principal: named, ...(sessionKey !== undefined ? { sessionKey } : {}) },
  });
  return named;
}

/** Resetting or deleting a session under a running run would pull the transcript from under it. */
function requireIdle(deps: AgentMethodDeps, owner: string, sessionKey: string): void {
  if (deps.agents.runs.running(owner, sessionKey).length > 0)
    throw new GatewayError("UNAVAILABLE", "a run is in progress on this session; abort it first", { retryable: true, details: { code: "BUSY" } });
}

function finalPayload(run: RunRecord, o: RunOutcome): Record<string, unknown> {
  return {
    runId: run.runId,
    status: "ok",
    summary: o.status === "aborted" ? "aborted" : "completed",
    result: {
      payloads: o.text ? [{ text: o.text }] : [],
      meta: {
        durationMs: o.endedAt - run.startedAt,
        stopReason: o.stopReason,
        aborted: o.status === "aborted",
        agentMeta: { sessionId: run.sessionId, provider: o.provider, model: o.model, usage: { input: o.usage.inputTokens, output: o.usage.outputTokens, total: o.usage.inputTokens + o.usage.outputTokens } },
      },
    },
  };
}

/** Transcript lines as OpenClaw's chat.history messages (content blocks). */
export function historyMessage(e: TranscriptEntry): Record<string, unknown> {
  if (e.role === "tool")
    return { role: "toolResult", toolCallId: e.toolCallId, toolName: e.name, isError: e.isError, content: [{ type: "text", text: e.text }], timestamp: e.ts };
  if (e.role === "user") return { role: "user", content: [{ type: "text", text: e.text }], timestamp: e.ts };
  return {
    role: "assistant",
    content: [
      ...(e.text ? [{ type: "text", text: e.text }] : []),
      ...(e.toolCalls ?? []).map((c) => ({ type: "toolCall", id: c.id, name: c.name, arguments: c.args })),
    ],
    timestamp: e.ts,
    ...(e.provider ? { provider: e.provider } : {}),
    ...(e.model ? { model: e.model } : {}),
    ...(e.usage ? { usage: e.usage } : {}),
  };
}

const agent: H<"agent"> = async (deps, session, p, connId, requestId) => {
  const key = deps.agents.sessionKey(p.sessionKey, p.agentId);
  const o = owner(session);
  await deps.agents.authorize(o, key.agentId, "agent");
  const { run } = deps.agents.service.start(o, {
    runId: p.idempotencyKey,
    agentId: key.agentId,
    sessionKey: key.key,
    message: p.message,
    timeoutSec: p.timeout,
    extraSystemPrompt: p.extraSystemPrompt,
  });
  deps.interim(connId, requestId, { runId: run.runId, status: "accepted", acceptedAt: run.startedAt });
  const outcome = await run.done;
  if (outcome.status === "ok" || outcome.status === "aborted") return finalPayload(run, outcome);
  const err = outcome.error ?? { code: "INTERNAL", message: "the run failed" };
  // The failure is already recorded as agent.run.
  throw markAudited(
    new GatewayError(err.code === "INTERNAL" ? "INTERNAL" : "UNAVAILABLE", err.message, {
      details: { code: outcome.status === "timeout" ? "RUN_TIMEOUT" : "RUN_FAILED" },
      payload: { runId: run.runId, status: "error", summary: err.message },
    }),
  );
};

export const agentHandlers: { [M in keyof AgentParams]: H<M> } = {
  agent,
  "agent.wait": async (deps, session, p) => {
    const { run, outcome } = await deps.agents.service.wait(session.principal.id, p.runId, p.timeoutMs);
    if (!outcome) return { runId: run.runId, status: "timeout", startedAt: run.startedAt };
    return {
      runId: run.runId,
      status: outcome.status === "ok" || outcome.status === "aborted" ? "ok" : "error",
      startedAt: run.startedAt,
      endedAt: outcome.endedAt,
      stopReason: outcome.stopReason,
      ...(outcome.error ? { error: outcome.error.message } : {}),
    };
  },
  "chat.send": async (deps, session, p) => {
    const key = deps.agents.sessionKey(p.sessionKey);
    const o = owner(session);
    await deps.agents.authorize(o, key.agentId, "chat.send");
    const { run, created } = deps.agents.service.start(o, {
      runId: p.idempotencyKey ?? randomUUID(),
      agentId: key.agentId,
      sessionKey: key.key,
      message: p.message,
    });
    return { runId: run.runId, status: created ? "started" : run.status === "running" ? "in_flight" : run.status };
  },
  "chat.history": async (deps, session, p) => {
    const key = deps.agents.sessionKey(p.sessionKey);
    const who = await sessionOwner(deps, session, p.principal, "chat.history", key.key);
    const entry = await deps.agents.sessions.get(who, key.key, key.agentId);
    if (!entry) return { sessionKey: key.key, sessionId: null, messages: [] };
    const lines = await deps.agents.sessions.read(entry);
    return { sessionKey: key.key, sessionId: entry.sessionId, messages: lines.slice(-p.limit).map(historyMessage) };
  },
  "chat.abort": async (deps, session, p) => {
    const key = deps.agents.sessionKey(p.sessionKey);
    const runIds = deps.agents.service.abort(session.principal.id, key.key, p.runId);
    return { ok: true, aborted: runIds.length > 0, runIds };
  },
  "sessions.list": async (deps, session, p) => {
    const who = await sessionOwner(deps, session, p.principal, "sessions.list");
    const configured = Object.keys(deps.runtime().config.agents);
    // Only configured agents: an agentId from the request never names a directory by itself.
    const agentIds = p.agentId !== undefined ? configured.filter((id) => id === p.agentId) : configured;
    const running = new Set(deps.agents.runs.running(who).map((r) => r.sessionKey));
    const all = [];
    for (const id of agentIds) all.push(...(await deps.agents.sessions.list({ owner: who, agentId: id })));
    all.sort((a, b) => b.updatedAt - a.updatedAt);
    const sessions = all.slice(0, p.limit).map((e) => ({
      key: e.key,
      sessionId: e.sessionId,
      updatedAt: e.updatedAt,
      model: e.model ?? null,
      modelProvider: e.modelProvider ?? null,
      inputTokens: e.inputTokens,
      outputTokens: e.outputTokens,
      totalTokens: e.inputTokens + e.outputTokens,
      status: running.has(e.key) ? "running" : "idle",
    }));
    return { ts: Date.now(), count: sessions.length, sessions };
  },
  "sessions.reset": async (deps, session, p) => {
    const key = deps.agents.sessionKey(p.key);
    const who = await sessionOwner(deps, session, p.principal, "sessions.reset", key.key);
    requireIdle(deps, who, key.key);
    const next = await deps.agents.sessions.reset(who, key.key, key.agentId);
    return { ok: true, key: key.key, reset: next !== undefined, ...(next ? { sessionId: next.sessionId } : {}) };
  },
  "sessions.delete": async (deps, session, p) => {
    const key = deps.agents.sessionKey(p.key);
    const who = await sessionOwner(deps, session, p.principal, "sessions.delete", key.key);
    requireIdle(deps, who, key.key);
    const deleted = await deps.agents.sessions.delete(who, key.key, key.agentId);
    return { ok: true, key: key.key, deleted };
  },
  "agents.list": async (deps, session) => {
    const config = deps.runtime().config;
    const agents = deps.agents.reachableAgents(session.principal.id).map((id) => {
      const a = config.agents[id]!;
      return {
        id,
        ...(a.name ? { name: a.name } : {}),
        ...(a.workspace ? { workspace: a.workspace } : {}),
        model: { primary: a.model ?? null, fallbacks: [...a.fallbacks] },
      };
    });
    return { defaultId: DEFAULT_AGENT_ID, mainKey: "main", agents };
  },
  "models.list": async (deps) => {
    const config = deps.runtime().config;
    const seen = new Map<string, { id: string; name: string; provider: string }>();
    const add = (ref: string): void => {
      const r = resolveModelRef(config.models, ref);
      if (r.ok) seen.set(`${r.ref.provider}/${r.ref.model}`, { id: `${r.ref.provider}/${r.ref.model}`, name: r.ref.model, provider: r.ref.provider });
    };
    for (const [id, m] of Object.entries(config.models)) if (m.model) add(`${id}/${m.model}`);
    for (const a of Object.values(config.agents)) for (const ref of [...(a.model ? [a.model] : []), ...a.fallbacks]) add(ref);
    return { models: [...seen.values()] };
  },
};
