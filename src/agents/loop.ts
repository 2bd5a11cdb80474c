/**
 * The agent loop: system prompt + transcript + offered tools → one model call,
 * streamed → the tool calls it asked for, each run by `runTool` (the gateway's
 * policy pipeline, as the run's principal) → results back → again, until the
 * model stops or `maxTurns` model calls were made. Every message is persisted
 * as it completes. The loop knows no vendor, no transport and no policy.
 */
import { fitToWindow, requestBudget } from "./context-window.js";
import type { ChatMessage, ModelRequest, ModelStreamEvent, StopReason, ToolCall, ToolSpec, Usage } from "./providers/types.js";
import type { LoopObserver, ToolResult } from "./types.js";

/** One model call; the event stream may say which provider/model answered (after a fallback). */
export type CallModel = (
  request: Omit<ModelRequest, "model">,
  signal: AbortSignal,
) => AsyncIterable<ModelStreamEvent & { provider?: string; model?: string }>;

export interface LoopInput {
  system: string;
  /** Earlier messages of the session followed by this run's user message. */
  messages: ChatMessage[];
  /** Index of this run's user message in `messages`. */
  runStart: number;
  tools: ToolSpec[];
  maxTurns: number;
  maxOutputTokens: number;
  contextWindow: number;
  callModel: CallModel;
  runTool(call: ToolCall, signal: AbortSignal): Promise<ToolResult>;
  /** Stores one complete message (assistant with its usage, or a tool result). */
  persist(message: ChatMessage, meta: { usage?: Usage; provider?: string; model?: string }): Promise<void>;
  observer: LoopObserver;
  signal: AbortSignal;
}

export type LoopStop = StopReason | "max_turns";

export interface LoopResult {
  /** The last assistant message's text. */
  text: string;
  stopReason: LoopStop;
  turns: number;
  usage: Usage;
  provider?: string;
  model?: string;
  /** Messages left out of some request to fit the context window (0 when none). */
  trimmed: number;
}

export async function runLoop(input: LoopInput): Promise<LoopResult> {
  const messages = [...input.messages];
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let provider: string | undefined;
  let model: string | undefined;
  let trimmed = 0;
  let text = "";
  for (let turn = 1; turn <= input.maxTurns; turn++) {
    input.signal.throwIfAborted();
    const budget = requestBudget({ contextWindow: input.contextWindow, maxOutputTokens: input.maxOutputTokens, system: input.system, tools: input.tools });
    const fitted = fitToWindow(messages, input.runStart, budget);
    trimmed = Math.max(trimmed, fitted.dropped);
    const system = fitted.dropped > 0 ? `${input.system}\n\n[${fitted.dropped} earlier messages of this conversation were left out to fit the context window.]` : input.system;

    text = "";
    const calls: ToolCall[] = [];
    let stop: LoopStop = "other";
    const turnUsage: Usage = { inputTokens: 0, outputTokens: 0 };
    for await (const ev of input.callModel(
      { ...(system ? { system } : {}), messages: fitted.messages, tools: input.tools, maxOutputTokens: input.maxOutputTokens },
      input.signal,
    )) {
      if (ev.provider) provider = ev.provider;
      if (ev.model) model = ev.model;
      if (ev.type === "text") {
        text += ev.delta;
        input.observer.assistantDelta(ev.delta, text);
      } else if (ev.type === "tool_call") calls.push(ev.call);
      else {
        stop = ev.stopReason;
        turnUsage.inputTokens += ev.usage.inputTokens;
        turnUsage.outputTokens += ev.usage.outputTokens;
      }
    }
    input.signal.throwIfAborted();
    usage.inputTokens += turnUsage.inputTokens;
    usage.outputTokens += turnUsage.outputTokens;
    const assistant: ChatMessage = { role: "assistant", text, toolCalls: calls };
    messages.push(assistant);
    await input.persist(assistant, { usage: turnUsage, ...(provider ? { provider } : {}), ...(model ? { model } : {}) });
    if (calls.length === 0) return { text, stopReason: stop, turns: turn, usage, ...(provider ? { provider } : {}), ...(model ? { model } : {}), trimmed };

    for (const call of calls) {
      input.signal.throwIfAborted();
      input.observer.toolStart(call);
      const result = await input.runTool(call, input.signal);
      input.observer.toolResult(call, result);
      const msg: ChatMessage = { role: "tool", toolCallId: call.id, name: call.name, text: result.text, isError: result.isError };
      messages.push(msg);
      await input.persist(msg, {});
    }
    if (turn === input.maxTurns)
      return { text, stopReason: "max_turns", turns: turn, usage, ...(provider ? { provider } : {}), ...(model ? { model } : {}), trimmed };
  }
  return { text, stopReason: "max_turns", turns: input.maxTurns, usage, ...(provider ? { provider } : {}), ...(model ? { model } : {}), trimmed };
}
