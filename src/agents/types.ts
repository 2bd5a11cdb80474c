/** The agent run's own shapes: transcript lines, run events, results. Provider shapes live in providers/types.ts. */
import type { ChatMessage, StopReason, ToolCall, Usage } from "./providers/types.js";

export type { ChatMessage, StopReason, ToolCall, Usage };

/** One transcript line: a ChatMessage plus when, which run, and (assistant) what it cost. */
export type TranscriptEntry = ChatMessage & {
  ts: number;
  runId: string;
  usage?: Usage;
  provider?: string;
  model?: string;
};

export interface ToolResult {
  text: string;
  isError: boolean;
}

/** `agent` event payload streams (design/agents.md). */
export type AgentStreamData =
  | { stream: "lifecycle"; data: { phase: "start" | "end" | "error"; error?: string; startedAt?: number; endedAt?: number; aborted?: boolean } }
  | { stream: "assistant"; data: { text: string; delta: string } }
  | {
      stream: "tool";
      data:
        | { phase: "start"; name: string; toolCallId: string; args: Record<string, unknown> }
        | { phase: "result"; name: string; toolCallId: string; isError: boolean; result: { content: { type: "text"; text: string }[] } };
    }
  | {
      stream: "approval";
      data: { phase: "requested" | "resolved"; kind: "exec"; status: string; approvalId: string; command: string; toolCallId: string };
    };

export type ChatState = "delta" | "final" | "aborted" | "error";

/** What the loop reports as it goes; the run service turns these into `agent` and `chat` events. */
export interface LoopObserver {
  assistantDelta(delta: string, cumulative: string): void;
  toolStart(call: ToolCall): void;
  toolResult(call: ToolCall, result: ToolResult): void;
}

export type RunStatus = "running" | "ok" | "error" | "aborted" | "timeout";
