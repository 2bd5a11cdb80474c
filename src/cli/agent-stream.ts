/**
 * One agent run from the CLI: `chat.send` with our own idempotencyKey (so the
 * run's events are recognised from the first one), the reply streamed to
 * stdout, tool calls and approval waits to stderr, then `agent.wait` for the
 * outcome. Shared by `clawdbot agent` and `clawdbot chat`.
 */
import crypto from "node:crypto";
import type { GatewayClient } from "./gateway-client.js";
import { println, UsageError, type CliIo } from "./io.js";

export interface RunResult {
  runId: string;
  status: "ok" | "error" | "aborted";
  text: string;
  error?: string;
  stopReason?: string;
}

/** `--agent` / `--session` → the session key the gateway expects. */
export function sessionKeyFor(agent: string | undefined, session: string | undefined): string {
  if (session?.startsWith("agent:")) {
    if (agent !== undefined && !session.startsWith(`agent:${agent}:`)) throw new UsageError("--session names a different agent than --agent");
    return session;
  }
  return `agent:${agent ?? "main"}:${session ?? "main"}`;
}

const oneLine = (s: string, max = 120): string => {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

export async function streamRun(
  client: GatewayClient,
  io: CliIo,
  opts: { message: string; sessionKey: string; quiet?: boolean; signal?: AbortSignal },
): Promise<RunResult> {
  const runId = crypto.randomUUID();
  let text = "";
  let error: string | undefined;
  let aborted = false;
  let finish!: () => void;
  const ended = new Promise<void>((r) => (finish = r));
  const off = client.onEvent((event, raw) => {
    const p = raw as { runId?: string; stream?: string; state?: string; data?: Record<string, unknown> & { result?: { content?: { text?: string }[] } }; errorMessage?: string };
    if (p.runId !== runId) return;
    if (event === "chat") {
      if (p.state === "delta") {
        const d = String((p as { deltaText?: string }).deltaText ?? "");
        text += d;
        if (!opts.quiet) io.stdout.write(d);
      } else if (p.state === "final") finish();
      else if (p.state === "aborted") {
        aborted = true;
        finish();
      } else if (p.state === "error") {
        error = p.errorMessage ?? "the run failed";
        finish();
      }
      return;
    }
    if (event !== "agent" || !p.data) return;
    const d = p.data;
    if (p.stream === "tool" && d.phase === "start") println(io.stderr, `[tool] ${d.name} ${oneLine(JSON.stringify(d.args ?? {}))}`);
    if (p.stream === "tool" && d.phase === "result")
      println(io.stderr, `[tool] ${d.name} ${d.isError ? "error" : "ok"}: ${oneLine(String(d.result?.content?.[0]?.text ?? ""))}`);
    if (p.stream === "approval" && d.phase === "requested")
      println(io.stderr, `[approval] waiting for an approver (clawdbot approvals approve ${d.approvalId}): ${oneLine(String(d.command))}`);
    if (p.stream === "approval" && d.phase === "resolved") println(io.stderr, `[approval] ${d.status}`);
  });
  const abort = (): void => void client.request("chat.abort", { sessionKey: opts.sessionKey, runId }).catch(() => undefined);
  opts.signal?.addEventListener("abort", abort, { once: true });
  try {
    await client.request("chat.send", { sessionKey: opts.sessionKey, message: opts.message, idempotencyKey: runId });
    await Promise.race([ended, client.closed.then(() => Promise.reject(new Error("connection to the gateway closed during the run")))]);
    const w = await client.request<{ status: string; stopReason?: string; error?: string }>("agent.wait", { runId, timeoutMs: 10_000 });
    if (!opts.quiet && text !== "" && !text.endsWith("\n")) io.stdout.write("\n");
    const status = error !== undefined || w.status === "error" ? "error" : aborted ? "aborted" : "ok";
    return { runId, status, text, ...(w.stopReason ? { stopReason: w.stopReason } : {}), ...((error ?? w.error) ? { error: error ?? w.error } : {}) };
  } finally {
    off();
    opts.signal?.removeEventListener("abort", abort);
  }
}
