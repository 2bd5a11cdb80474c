/**
 * `POST /v1/chat/completions`, OpenAI-compatible: `model` is `agent:<id>` (or
 * a bare agent id); the last user message starts a run on that agent as the
 * authenticated principal; `system` messages add to the agent's prompt. The
 * `user` field (or header `x-clawdbot-session`) names the session, otherwise
 * every request is a fresh session (earlier messages in the body are not
 * replayed: a named session keeps its own transcript). Tools run inside the
 * gateway; the client sees only the assistant's text. `stream: true` answers
 * Server-Sent Events in OpenAI's chunk format ending with `data: [DONE]`.
 */
import { randomUUID } from "node:crypto";
import type http from "node:http";
import { z } from "zod";
import { GatewayError, HttpMapping } from "../core/errors.js";
import type { AuditSink } from "../core/audit-types.js";
import type { Principal } from "../core/principal.js";
import { sendJson } from "../transport/http/respond.js";
import type { RunOutcome } from "../agents/run-store.js";
import { ownerOf, type AgentRuns } from "./agent-wiring.js";
import { markAudited } from "./rejections.js";
import type { ClientInfo } from "./client.js";

const OPENAI_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "invalid_request_error",
  413: "invalid_request_error",
  429: "rate_limit_error",
};

/** OpenAI's error shape `{error:{message,type,code}}`, with the status codes of /tools/invoke. */
export function sendOpenAIError(res: http.ServerResponse, err: unknown): void {
  const e = err instanceof GatewayError ? err : new GatewayError("INTERNAL", "internal error");
  const { status, type } = HttpMapping[e.code];
  const headers: Record<string, string> = {};
  if (e.retryAfterMs !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
  if (status === 401) headers["www-authenticate"] = 'Bearer realm="clawdbot"';
  const code = typeof e.details?.code === "string" ? e.details.code.toLowerCase() : type;
  sendJson(res, status, { error: { message: e.message, type: OPENAI_TYPES[status] ?? "api_error", code, param: null } }, headers);
}

const content = z.union([
  z.string(),
  z.array(z.object({ type: z.string(), text: z.string().optional() }).loose()).transform((parts) =>
    parts
      .filter((p) => p.type === "text" && typeof p.text === "string")
      .map((p) => p.text)
      .join(""),
  ),
  z.null().transform(() => ""),
]);

const body = z
  .object({
    model: z.string().min(1).max(128),
    messages: z.array(z.object({ role: z.string().max(32), content: content.optional() }).loose()).min(1).max(1_000),
    stream: z.boolean().optional(),
    user: z.string().min(1).max(128).optional(),
  })
  .loose();

export interface ChatCompletionDeps {
  agents: AgentRuns;
  audit: AuditSink;
}

export async function handleChatCompletion(
  deps: ChatCompletionDeps,
  req: { principal: Principal; client: ClientInfo; headers: http.IncomingHttpHeaders; body: unknown },
  res: http.ServerResponse,
): Promise<void> {
  const parsed = body.safeParse(req.body);
  if (!parsed.success)
    throw new GatewayError("INVALID_REQUEST", "expected {model, messages:[{role, content}], stream?, user?}", {
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
    });
  const p = parsed.data;
  const agentId = p.model.startsWith("agent:") ? p.model.slice("agent:".length) : p.model;
  const last = [...p.messages].reverse().find((m) => m.role === "user");
  if (!last || !last.content) throw new GatewayError("INVALID_REQUEST", "messages must contain a user message with text");
  const system = p.messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .map((m) => m.content ?? "")
    .filter((t) => t !== "")
    .join("\n\n");
  const header = req.headers["x-clawdbot-session"];
  const named = p.user ?? (typeof header === "string" && header !== "" ? header : undefined);
  const key = deps.agents.sessionKey(named ?? `openai-http:${randomUUID()}`, agentId);
  const owner = ownerOf(req.principal, req.client);
  await deps.agents.authorize(owner, key.agentId, "POST /v1/chat/completions");

  const runId = randomUUID();
  const id = `chatcmpl-${runId}`;
  const created = Math.floor(Date.now() / 1000);
  const model = `agent:${key.agentId}`;
  // A client that goes away before the answer is written gets no answer: its run stops (the provider request is
  // cancelled), rather than running to its timeout with nobody reading.
  const abortOnClose = (): void => {
    if (!res.writableFinished) deps.agents.service.abort(owner.principalId, key.key, runId);
  };
  res.once("close", abortOnClose);
  if (!p.stream) {
    const { run } = deps.agents.service.start(owner, { runId, agentId: key.agentId, sessionKey: key.key, message: last.content, extraSystemPrompt: system || undefined });
    if (res.destroyed) abortOnClose();
    const o = await run.done;
    if (o.status === "error" || o.status === "timeout") throw runError(o);
    sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: o.text }, finish_reason: finishReason(o), logprobs: null }],
      usage: usage(o),
    });
    return;
  }

  // Streaming: listen before the run starts so no delta is missed.
  const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}): string =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...extra })}\n\n`;
  let started = false;
  const open = (): void => {
    if (started) return;
    started = true;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-content-type-options": "nosniff" });
    res.write(chunk({ role: "assistant", content: "" }, null));
  };
  const unsubscribe = deps.agents.subscribe(owner.principalId, runId, (event, payload) => {
    if (event === "chat" && payload.state === "delta" && typeof payload.deltaText === "string") {
      open();
      res.write(chunk({ content: payload.deltaText }, null));
    }
  });
  try {
    const { run } = deps.agents.service.start(owner, { runId, agentId: key.agentId, sessionKey: key.key, message: last.content, extraSystemPrompt: system || undefined });
    if (res.destroyed) abortOnClose();
    const o = await run.done;
    if ((o.status === "error" || o.status === "timeout") && !started) throw runError(o);
    open();
    if (o.status === "error" || o.status === "timeout") {
      const e = runError(o);
      res.write(`data: ${JSON.stringify({ error: { message: e.message, type: "api_error", code: String(e.details?.code ?? "run_failed").toLowerCase() } })}\n\n`);
    } else res.write(chunk({}, finishReason(o), { usage: usage(o) }));
    res.end("data: [DONE]\n\n");
  } finally {
    unsubscribe();
  }
}

/** A failed run (already recorded as agent.run) as the error the client gets. */
function runError(o: RunOutcome): GatewayError {
  return markAudited(new GatewayError(o.error?.code === "INTERNAL" ? "INTERNAL" : "UNAVAILABLE", o.error?.message ?? "the run failed", {
    details: { code: o.status === "timeout" ? "RUN_TIMEOUT" : "RUN_FAILED" },
  }));
}

function finishReason(o: RunOutcome): string {
  return o.stopReason === "max_tokens" ? "length" : "stop";
}

function usage(o: RunOutcome): Record<string, number> {
  return { prompt_tokens: o.usage.inputTokens, completion_tokens: o.usage.outputTokens, total_tokens: o.usage.inputTokens + o.usage.outputTokens };
}
