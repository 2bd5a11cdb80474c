/**
 * Agent runs: admission (dedupe by idempotencyKey, one running run per
 * session, a per-principal cap, message size), the run itself (transcript in,
 * loop, transcript out), limits (run timeout, abort, shutdown — each reaching
 * the provider request through one AbortSignal), events to the run's principal
 * only, and one `agent.run` audit record per run. Policy, tools, providers and
 * transports come in as functions (see app/agent-wiring.ts).
 */
import { GatewayError } from "../core/errors.js";
import { runLoop, type CallModel } from "./loop.js";
import { ProviderError, type ChatMessage, type ToolCall, type ToolSpec } from "./providers/types.js";
import type { RunOutcome, RunRecord, RunStore } from "./run-store.js";
import type { SessionEntry, SessionStore } from "./session-store.js";
import type { AgentStreamData, ChatState, ToolResult } from "./types.js";
import { historyFrom } from "./history.js";

/** Who a run acts as: the principal id plus whatever the app needs to run tools as them. */
export interface RunOwner {
  principalId: string;
}

export interface ResolvedAgent {
  id: string;
  systemPrompt: string;
  maxTurns: number;
  runTimeoutSec: number;
  maxOutputTokens: number;
  contextWindow: number;
  /** "provider/model" of the primary, for records before any model answered. */
  provider: string;
  model: string;
  callModel: CallModel;
}

export interface ApprovalNotice {
  phase: "requested" | "resolved";
  approvalId: string;
  command: string;
  status: string;
}

export interface RunServiceDeps<O extends RunOwner> {
  sessions: SessionStore;
  runs: RunStore;
  /** Delivers an event to the connections of one principal only. */
  publish(principalId: string, event: "agent" | "chat", payload: Record<string, unknown>): void;
  now(): number;
  /** The agent ready to run, or a GatewayError (unknown agent: NOT_FOUND; no model: UNAVAILABLE). */
  agent(agentId: string): ResolvedAgent;
  /** Exactly the tools this owner may use on this agent. */
  offeredTools(owner: O, agentId: string): ToolSpec[];
  /** One tool call through the gateway's pipeline; refusals come back as isError results. */
  runTool(owner: O, run: { runId: string; agentId: string; signal: AbortSignal; onApproval(n: ApprovalNotice): void }, call: ToolCall): Promise<ToolResult>;
  /** Writes the run's `agent.run` audit record. */
  auditRun(owner: O, outcome: "success" | "failure", metadata: Record<string, unknown>): Promise<void>;
  limits(): { maxRunsPerPrincipal: number; maxMessageBytes: number };
  log(message: string): void;
  /** False while the audit log cannot be written: no run starts that could not be recorded (fail closed). */
  canRecord?(): boolean;
}

export interface StartRequest {
  runId: string;
  agentId: string;
  sessionKey: string;
  message: string;
  timeoutSec?: number | undefined;
  extraSystemPrompt?: string | undefined;
}

const ABORT_MESSAGES = { aborted: "run aborted", timeout: "run timed out", shutdown: "gateway shutting down" } as const;

export class RunService<O extends RunOwner> {
  private closing = false;

  constructor(private readonly deps: RunServiceDeps<O>) {}

  /** Starts a run, or returns the run already started under this idempotencyKey by this principal. */
  start(owner: O, req: StartRequest): { run: RunRecord; created: boolean } {
    const existing = this.deps.runs.get(owner.principalId, req.runId);
    if (existing) return { run: existing, created: false };
    if (this.closing) throw new GatewayError("UNAVAILABLE", "gateway is shutting down");
    if (this.deps.canRecord && !this.deps.canRecord()) throw new GatewayError("UNAVAILABLE", "audit log cannot be written");
    const limits = this.deps.limits();
    if (Buffer.byteLength(req.message, "utf8") > limits.maxMessageBytes)
      throw new GatewayError("PAYLOAD_TOO_LARGE", `message is larger than gateway.limits.maxMessageBytes (${limits.maxMessageBytes} bytes)`);
    const agent = this.deps.agent(req.agentId);
    if (this.deps.runs.running(owner.principalId, req.sessionKey).length > 0)
      throw new GatewayError("UNAVAILABLE", "a run is already in progress on this session; wait for it or abort it", {
        retryable: true,
        details: { code: "BUSY", sessionKey: req.sessionKey },
      });
    if (this.deps.runs.running(owner.principalId).length >= limits.maxRunsPerPrincipal)
      throw new GatewayError("RATE_LIMITED", `at most ${limits.maxRunsPerPrincipal} runs at once (gateway.limits.maxRunsPerPrincipal)`, {
        retryAfterMs: 1000,
        details: { code: "RUN_LIMIT" },
      });

    const ac = new AbortController();
    let settle!: (o: RunOutcome) => void;
    const done = new Promise<RunOutcome>((r) => (settle = r));
    const run: RunRecord = {
      runId: req.runId,
      ownerId: owner.principalId,
      agentId: agent.id,
      sessionKey: req.sessionKey,
      startedAt: this.deps.now(),
      status: "running",
      done,
      abort: (reason) => {
        if (!ac.signal.aborted) ac.abort(new ProviderError("aborted", ABORT_MESSAGES[reason]));
        abortReason ??= reason;
      },
    };
    let abortReason: "aborted" | "timeout" | "shutdown" | undefined;
    this.deps.runs.add(run);
    const timeoutSec = Math.min(agent.runTimeoutSec, req.timeoutSec ?? agent.runTimeoutSec);
    const timer = setTimeout(() => run.abort("timeout"), timeoutSec * 1000);
    void this.execute(owner, run, agent, req, ac.signal, () => abortReason)
      .then((outcome) => {
        clearTimeout(timer);
        run.outcome = outcome;
        run.status = outcome.status;
        this.deps.runs.finished(run, outcome.endedAt);
        settle(outcome);
      });
    return { run, created: true };
  }

  /** Waits for a run of this principal to end, at most timeoutMs. */
  async wait(ownerId: string, runId: string, timeoutMs: number): Promise<{ run: RunRecord; outcome: RunOutcome | undefined }> {
    const run = this.deps.runs.get(ownerId, runId);
    if (!run) throw new GatewayError("NOT_FOUND", "no run with that id", { details: { code: "RUN_NOT_FOUND" } });
    if (run.outcome) return { run, outcome: run.outcome };
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([run.done, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs)))]);
    clearTimeout(timer);
    return { run, outcome };
  }

  /** Aborts this principal's running runs on a session (or only `runId`). */
  abort(ownerId: string, sessionKey: string, runId?: string): string[] {
    const hit = this.deps.runs.running(ownerId, sessionKey).filter((r) => runId === undefined || r.runId === runId);
    for (const r of hit) r.abort("aborted");
    return hit.map((r) => r.runId);
  }

  /** Shutdown: no new runs; running ones are aborted (their provider requests cancelled) and awaited. */
  async close(): Promise<void> {
    this.closing = true;
    const running = this.deps.runs.running();
    for (const r of running) r.abort("shutdown");
    await Promise.all(running.map((r) => r.done));
  }

  private async execute(
    owner: O,
    run: RunRecord,
    agent: ResolvedAgent,
    req: StartRequest,
    signal: AbortSignal,
    abortReason: () => "aborted" | "timeout" | "shutdown" | undefined,
  ): Promise<RunOutcome> {
    const emitter = new RunEmitter(this.deps, run);
    const turnsSeen = { turns: 0 };
    let session: SessionEntry | undefined;
    let outcome: RunOutcome;
    emitter.agent({ stream: "lifecycle", data: { phase: "start", startedAt: run.startedAt } });
    try {
      session = await this.deps.sessions.ensure(owner.principalId, req.sessionKey, agent.id);
      run.sessionId = session.sessionId;
      const history = historyFrom(await this.deps.sessions.read(session));
      const user: ChatMessage = { role: "user", text: req.message };
      await this.deps.sessions.append(session, [{ ...user, ts: this.deps.now(), runId: run.runId }]);
      const s = session;
      const system = [agent.systemPrompt, req.extraSystemPrompt].filter((x): x is string => !!x).join("\n\n");
      const result = await runLoop({
        system,
        messages: [...history, user],
        runStart: history.length,
        tools: this.deps.offeredTools(owner, agent.id),
        maxTurns: agent.maxTurns,
        maxOutputTokens: agent.maxOutputTokens,
        contextWindow: agent.contextWindow,
        callModel: agent.callModel,
        signal,
        runTool: (call, sig) =>
          this.deps.runTool(
            owner,
            { runId: run.runId, agentId: agent.id, signal: sig, onApproval: (n) => emitter.approval(n, call.id) },
            call,
          ),
        persist: async (message, meta) => {
          if (message.role === "assistant") turnsSeen.turns++;
          await this.deps.sessions.append(s, [{ ...message, ts: this.deps.now(), runId: run.runId, ...meta }]);
        },
        observer: {
          assistantDelta: (delta, text) => {
            emitter.agent({ stream: "assistant", data: { text, delta } });
            emitter.chat("delta", { deltaText: delta });
          },
          toolStart: (call) => emitter.agent({ stream: "tool", data: { phase: "start", name: call.name, toolCallId: call.id, args: call.args } }),
          toolResult: (call, r) =>
            emitter.agent({
              stream: "tool",
              data: { phase: "result", name: call.name, toolCallId: call.id, isError: r.isError, result: { content: [{ type: "text", text: r.text }] } },
            }),
        },
      });
      const endedAt = this.deps.now();
      outcome = {
        status: "ok",
        stopReason: result.stopReason,
        text: result.text,
        turns: result.turns,
        usage: result.usage,
        provider: result.provider ?? agent.provider,
        model: result.model ?? agent.model,
        endedAt,
      };
      emitter.agent({ stream: "lifecycle", data: { phase: "end", startedAt: run.startedAt, endedAt } });
      emitter.chat("final", { message: { role: "assistant", content: [{ type: "text", text: result.text }], timestamp: endedAt, stopReason: result.stopReason } });
    } catch (e) {
      const endedAt = this.deps.now();
      const reason = abortReason();
      const base = { text: "", turns: turnsSeen.turns, usage: { inputTokens: 0, outputTokens: 0 }, provider: agent.provider, model: agent.model, endedAt };
      if (reason === "aborted" || reason === "shutdown") {
        outcome = { ...base, status: "aborted", stopReason: reason };
        emitter.agent({ stream: "lifecycle", data: { phase: "end", startedAt: run.startedAt, endedAt, aborted: true } });
        emitter.chat("aborted", {});
      } else {
        const error =
          reason === "timeout"
            ? { code: "UNAVAILABLE", message: "run timed out" }
            : e instanceof ProviderError
              ? { code: "UNAVAILABLE", message: `model provider error (${e.kind}): ${e.message}` }
              : e instanceof GatewayError
                ? { code: e.code, message: e.message }
                : { code: "INTERNAL", message: "the run failed" };
        if (!(e instanceof ProviderError) && !(e instanceof GatewayError) && reason !== "timeout") this.deps.log(`agent run failed: ${(e as Error)?.stack ?? String(e)}`);
        outcome = { ...base, status: reason === "timeout" ? "timeout" : "error", stopReason: reason === "timeout" ? "timeout" : "error", error };
        emitter.agent({ stream: "lifecycle", data: { phase: "error", error: error.message, startedAt: run.startedAt, endedAt } });
        emitter.chat("error", { errorMessage: error.message });
      }
    }
    if (session && (outcome.usage.inputTokens > 0 || outcome.usage.outputTokens > 0 || outcome.status === "ok"))
      await this.deps.sessions
        .recordRun(session, { provider: outcome.provider ?? agent.provider, model: outcome.model ?? agent.model, inputTokens: outcome.usage.inputTokens, outputTokens: outcome.usage.outputTokens, at: outcome.endedAt })
        .catch((e: unknown) => this.deps.log(`session index update failed: ${(e as Error).message}`));
    await this.deps
      .auditRun(owner, outcome.status === "ok" || outcome.status === "aborted" ? "success" : "failure", {
        runId: run.runId,
        agentId: agent.id,
        sessionKey: req.sessionKey,
        provider: outcome.provider,
        model: outcome.model,
        turns: outcome.turns,
        usage: outcome.usage,
        stopReason: outcome.stopReason,
        status: outcome.status,
        durationMs: outcome.endedAt - run.startedAt,
        ...(outcome.error ? { error: outcome.error.code } : {}),
      })
      .catch((e: unknown) => this.deps.log(`agent.run audit record failed: ${(e as Error).message}`));
    return outcome;
  }
}

/** Numbers and sends one run's events. */
class RunEmitter {
  private agentSeq = 0;
  private chatSeq = 0;

  constructor(
    private readonly deps: Pick<RunServiceDeps<RunOwner>, "publish" | "now">,
    private readonly run: RunRecord,
  ) {}

  agent(ev: AgentStreamData): void {
    this.deps.publish(this.run.ownerId, "agent", {
      runId: this.run.runId,
      seq: ++this.agentSeq,
      stream: ev.stream,
      ts: this.deps.now(),
      sessionKey: this.run.sessionKey,
      data: ev.data,
    });
  }

  chat(state: ChatState, extra: Record<string, unknown>): void {
    this.deps.publish(this.run.ownerId, "chat", { runId: this.run.runId, sessionKey: this.run.sessionKey, seq: ++this.chatSeq, state, ...extra });
  }

  approval(n: ApprovalNotice, toolCallId: string): void {
    this.agent({ stream: "approval", data: { phase: n.phase, kind: "exec", status: n.status, approvalId: n.approvalId, command: n.command, toolCallId } });
  }
}
