/**
 * Wires agent runs into the gateway: the run service gets the config in force,
 * the providers (made lazily, one set per config), the policy's view of which
 * tools a principal may use, the one tool pipeline (each model tool call runs
 * exactly as `tools.invoke` would, as the run's principal), the audit log and
 * event delivery to the principal's own connections.
 */
import { GatewayError } from "../core/errors.js";
import type { AuditSink } from "../core/audit-types.js";
import type { Principal } from "../core/principal.js";
import { resolveModelRef, type Config } from "../config/index.js";
import { allowedTools, authorizeAgent, type Permission } from "../policy/index.js";
import { modelToolSpecs } from "../tools/tool-specs.js";
import { FileSessionStore } from "../agents/file-session-store.js";
import { MemoryRunStore } from "../agents/run-store.js";
import { RunService, type ResolvedAgent, type RunOwner } from "../agents/run-service.js";
import { ProviderRegistry, streamWithFallback } from "../agents/providers/index.js";
import { parseSessionKey, type SessionKey } from "../agents/session-key.js";
import type { ToolResult } from "../agents/types.js";
import { actorFor, type ClientInfo } from "./client.js";
import { auditRejection, markAudited } from "./rejections.js";
import { invokeTool, type PipelineDeps } from "./tool-pipeline.js";
import type { Logger } from "./logger.js";
import type { Runtime } from "./runtime.js";

export const DEFAULT_AGENT_ID = "main";

/** A run acts as this: the principal, the client it came from (address, traceId), the connection's scopes. */
export interface AppRunOwner extends RunOwner {
  principal: Principal;
  client: ClientInfo;
  scopes?: ReadonlySet<Permission> | undefined;
}

export interface AgentsDeps {
  runtime(): Runtime;
  audit: AuditSink;
  pipeline: PipelineDeps;
  stateDir: string;
  log: Logger;
  now(): number;
  /** Sends an event to every open connection of one principal. */
  publish(principalId: string, event: string, payload: unknown): void;
  /** True while the audit log cannot be written. */
  auditFailed?(): boolean;
}

export type AgentRuns = ReturnType<typeof createAgentRuns>;

export function ownerOf(principal: Principal, client: ClientInfo, scopes?: ReadonlySet<Permission>): AppRunOwner {
  return { principalId: principal.id, principal, client, ...(scopes ? { scopes } : {}) };
}

/** Cuts text to `max` UTF-8 bytes (on a character boundary) with a note saying how much was left out. */
export function capForModel(text: string, max: number): string {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes <= max) return text;
  const cut = Buffer.from(text, "utf8").subarray(0, max).toString("utf8").replace(/\uFFFD$/, "");
  return `${cut}\n[output truncated: ${max} of ${bytes} bytes shown (tools.limits.maxModelResultBytes)]`;
}

/** Removes every configured API key from a text (defence in depth: adapters already never include one). */
export function scrubKeys(text: string, models: Config["models"]): string {
  let out = text;
  for (const m of Object.values(models)) if (m.apiKey && m.apiKey.length >= 4) out = out.split(m.apiKey).join("[redacted]");
  return out;
}

export function createAgentRuns(deps: AgentsDeps) {
  const sessions = new FileSessionStore(deps.stateDir, deps.now);
  const runs = new MemoryRunStore(10 * 60_000, deps.now);
  const registries = new WeakMap<Config["models"], ProviderRegistry>();
  const registryFor = (models: Config["models"]): ProviderRegistry => {
    let r = registries.get(models);
    if (!r) registries.set(models, (r = new ProviderRegistry(models)));
    return r;
  };

  const resolveAgent = (agentId: string): ResolvedAgent => {
    const config = deps.runtime().config;
    const a = Object.hasOwn(config.agents, agentId) ? config.agents[agentId] : undefined;
    if (!a) throw new GatewayError("NOT_FOUND", `unknown agent ${JSON.stringify(agentId.slice(0, 64))}`, { details: { code: "AGENT_NOT_FOUND" } });
    if (!a.model)
      throw new GatewayError("UNAVAILABLE", `agent "${agentId}" has no model: set agents.${agentId}.model ("provider/model") and models.<provider>`, {
        details: { code: "NO_MODEL" },
      });
    const refs = [a.model, ...a.fallbacks].map((ref) => resolveModelRef(config.models, ref));
    const resolved = refs.flatMap((r) => (r.ok ? [r.ref] : []));
    const primary = resolved[0];
    if (!primary || resolved.length !== refs.length)
      throw new GatewayError("UNAVAILABLE", `agent "${agentId}": its model or a fallback names a provider not configured under models`);
    const candidates = registryFor(config.models).candidates(a, agentId);
    const models = config.models;
    return {
      id: agentId,
      systemPrompt: a.systemPrompt ?? "",
      maxTurns: a.maxTurns,
      runTimeoutSec: a.runTimeoutSec,
      maxOutputTokens: a.maxOutputTokens ?? primary.config.maxOutputTokens,
      // The smallest window of the candidates: a fallback must be able to take the same request.
      contextWindow: Math.min(...resolved.map((r) => r.config.contextWindow)),
      provider: primary.provider,
      model: primary.model,
      callModel: async function* (request, signal) {
        try {
          yield* streamWithFallback(candidates, request, signal, {
            onAttempt: (at) => deps.log.warn(`model call to ${at.provider}/${at.model} failed: ${scrubKeys(at.error?.message ?? "error", models)}`),
          });
        } catch (e) {
          if (e instanceof Error) e.message = scrubKeys(e.message, models);
          throw e;
        }
      },
    };
  };

  const runTool = async (
    owner: AppRunOwner,
    run: { runId: string; agentId: string; signal: AbortSignal; onApproval: Parameters<typeof invokeTool>[1]["onApproval"] },
    call: { name: string; args: Record<string, unknown> },
  ): Promise<ToolResult> => {
    const max = deps.runtime().config.tools.limits.maxModelResultBytes;
    try {
      const result = await invokeTool(
        deps.pipeline,
        {
          principal: owner.principal,
          client: owner.client,
          ...(owner.scopes ? { scopes: owner.scopes } : {}),
          signal: run.signal,
          ...(run.onApproval ? { onApproval: run.onApproval } : {}),
        },
        { tool: call.name, args: call.args, agentId: run.agentId },
      );
      return { text: capForModel(typeof result === "string" ? result : JSON.stringify(result), max), isError: false };
    } catch (e) {
      if (run.signal.aborted) throw run.signal.reason;
      await auditRejection(deps.audit, e, owner, { transport: "agent", runId: run.runId, tool: call.name.slice(0, 64) }).catch(() => undefined);
      if (e instanceof GatewayError) return { text: capForModel(`${e.code}: ${e.message}`, max), isError: true };
      deps.log.error(`tool ${call.name.slice(0, 64)} failed in a run: ${(e as Error)?.message ?? String(e)}`);
      return { text: "INTERNAL: the tool failed", isError: true };
    }
  };

  /** In-process listeners of one run's events (the HTTP endpoint streams from these). */
  const listeners = new Map<string, Set<(event: "agent" | "chat", payload: Record<string, unknown>) => void>>();
  const listenKey = (ownerId: string, runId: string): string => `${ownerId}\u0000${runId}`;
  const service = new RunService<AppRunOwner>({
    sessions,
    runs,
    publish: (to, event, payload) => {
      deps.publish(to, event, payload);
      const set = listeners.get(listenKey(to, String(payload.runId)));
      if (set) for (const fn of set) fn(event, payload);
    },
    now: deps.now,
    agent: resolveAgent,
    offeredTools: (owner, agentId) =>
      allowedTools(deps.runtime().policy, { principalId: owner.principalId, agentId, scopes: owner.scopes }, modelToolSpecs()).map((t) => ({
        name: t.name,
        description: t.description,
        inputSchema: t.inputSchema,
      })),
    runTool,
    auditRun: (owner, outcome, metadata) =>
      deps.audit.append({ type: "agent.run", actor: actorFor(owner.principal, owner.client), outcome, traceId: owner.client.traceId, metadata }),
    limits: () => {
      const l = deps.runtime().config.gateway.limits;
      return { maxRunsPerPrincipal: l.maxRunsPerPrincipal, maxMessageBytes: l.maxMessageBytes };
    },
    log: (m) => deps.log.error(m),
    canRecord: () => !(deps.auditFailed?.() ?? false),
  });

  /** RBAC `agents`: refusals are audited (rbac.denied) like the tool pipeline's. */
  const authorize = async (owner: AppRunOwner, agentId: string, method: string): Promise<void> => {
    const d = authorizeAgent(deps.runtime().policy, owner.principalId, agentId);
    if (d.allow) return;
    await deps.audit.append({
      type: "rbac.denied",
      actor: actorFor(owner.principal, owner.client),
      outcome: "denied",
      traceId: owner.client.traceId,
      metadata: { method, agentId, reason: d.reason, ...(d.roleId ? { role: d.roleId } : {}) },
    });
    throw markAudited(new GatewayError("FORBIDDEN", d.message, { details: { reason: d.reason } }));
  };

  return {
    service,
    sessions,
    runs,
    resolveAgent,
    authorize,
    sessionKey: (raw: string | undefined, agentId?: string): SessionKey => {
      const key = parseSessionKey(raw ?? "main", agentId ?? DEFAULT_AGENT_ID);
      if (agentId !== undefined && key.agentId !== agentId)
        throw new GatewayError("INVALID_REQUEST", "sessionKey names a different agent than agentId", { details: { code: "AGENT_MISMATCH" } });
      if (!Object.hasOwn(deps.runtime().config.agents, key.agentId))
        throw new GatewayError("NOT_FOUND", `unknown agent ${JSON.stringify(key.agentId)}`, { details: { code: "AGENT_NOT_FOUND" } });
      return key;
    },
    /** Agents this principal may reach. */
    reachableAgents: (principalId: string): string[] =>
      Object.keys(deps.runtime().config.agents).filter((id) => authorizeAgent(deps.runtime().policy, principalId, id).allow),
    /** Listens to one run's events (subscribe before starting it to miss none); returns the unsubscribe. */
    subscribe: (ownerId: string, runId: string, fn: (event: "agent" | "chat", payload: Record<string, unknown>) => void): (() => void) => {
      const k = listenKey(ownerId, runId);
      let set = listeners.get(k);
      if (!set) listeners.set(k, (set = new Set()));
      set.add(fn);
      return () => {
        set.delete(fn);
        if (set.size === 0) listeners.delete(k);
      };
    },
    close: () => service.close(),
  };
}
