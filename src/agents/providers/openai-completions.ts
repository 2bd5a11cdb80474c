/**
 * `openai-completions`: OpenAI's Chat Completions API through the `openai` SDK (6.x), streamed — and every
 * server that speaks it (Ollama, vLLM, llama.cpp, LM Studio) via `baseUrl`.
 *
 * Transcript mapping: assistant tool calls become `tool_calls` (arguments as JSON text); tool results become
 * `role: "tool"` messages. Chat Completions has no error flag on a tool result, so a failed one is sent as
 * `[tool error] <reason>`. Tool calls stream as fragments keyed by `index`; each is emitted once the
 * choice finishes. Some compatible servers report `finish_reason: "stop"` with tool calls: that is `tool_use`.
 * The SDK loads on the first call; its retries are off; it reads nothing from the environment.
 */
import type * as OpenAISdk from "openai";
import type OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { lazy, parseToolArgs, streamCall, type DoneEvent, type ProviderSettings } from "./call.js";
import { ProviderError, type ChatMessage, type ModelProvider, type ModelRequest, type ModelStreamEvent, type StopReason } from "./types.js";

type Sdk = typeof OpenAISdk;
const loadSdk = lazy<Sdk>(() => import("openai"));

export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";
export const TOOL_ERROR_PREFIX = "[tool error] ";

const STOP_REASONS: Record<string, StopReason> = {
  stop: "end_turn",
  tool_calls: "tool_use",
  function_call: "tool_use",
  length: "max_tokens",
  content_filter: "refusal",
};

export function toOpenAIMessages(system: string | undefined, messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = system ? [{ role: "system", content: system }] : [];
  for (const m of messages) {
    if (m.role === "user") out.push({ role: "user", content: m.text });
    else if (m.role === "tool")
      out.push({ role: "tool", tool_call_id: m.toolCallId, content: m.isError ? `${TOOL_ERROR_PREFIX}${m.text}` : m.text });
    else
      out.push({
        role: "assistant",
        content: m.text === "" && m.toolCalls.length > 0 ? null : m.text,
        ...(m.toolCalls.length
          ? {
              tool_calls: m.toolCalls.map((c) => ({
                id: c.id,
                type: "function" as const,
                function: { name: c.name, arguments: JSON.stringify(c.args) },
              })),
            }
          : {}),
      });
  }
  return out;
}

/** OpenAI itself wants `max_completion_tokens` (reasoning models refuse `max_tokens`); compatible servers know `max_tokens`. */
function isOpenAIItself(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === "api.openai.com";
  } catch {
    return false;
  }
}

export function createOpenAIProvider(id: string, settings: ProviderSettings): ModelProvider {
  const label = id;
  const baseURL = settings.baseUrl ?? OPENAI_DEFAULT_BASE_URL;
  const tokenParam = isOpenAIItself(baseURL) ? "max_completion_tokens" : "max_tokens";
  let client: OpenAI | undefined;
  const getClient = (sdk: Sdk): OpenAI =>
    (client ??= new sdk.OpenAI({
      // A keyless local server (Ollama) gets no Authorization header; the placeholder only satisfies the SDK.
      apiKey: settings.apiKey ?? "unused",
      ...(settings.apiKey ? {} : { defaultHeaders: { authorization: null } }),
      organization: null,
      project: null,
      baseURL,
      maxRetries: 0,
      timeout: settings.requestTimeoutMs,
      logLevel: "off",
    }));

  const stream = (request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelStreamEvent> =>
    streamCall({
      label,
      settings,
      signal,
      pkg: "openai",
      load: loadSdk,
      open: (sdk, callSignal) =>
        getClient(sdk).chat.completions.create(
          {
            model: request.model,
            messages: toOpenAIMessages(request.system, request.messages),
            [tokenParam]: request.maxOutputTokens,
            ...(request.tools.length
              ? {
                  tools: request.tools.map((t) => ({
                    type: "function" as const,
                    function: { name: t.name, description: t.description, parameters: t.inputSchema },
                  })),
                }
              : {}),
            stream: true,
            stream_options: { include_usage: true },
          },
          { signal: callSignal },
        ),
      read: (chunks) => readStream(label, chunks),
      cutShort: "the stream ended without a finish_reason",
    });

  return { id, api: "openai-completions", stream };
}

/** Yields text, then the tool calls once the choice finished; returns `done` (undefined if it never finished). */
async function* readStream(label: string, chunks: AsyncIterable<ChatCompletionChunk>): AsyncGenerator<ModelStreamEvent, DoneEvent | undefined> {
  const calls = new Map<number, { id: string; name: string; json: string }>();
  let finish: string | null = null;
  let usage = { inputTokens: 0, outputTokens: 0 };
  for await (const chunk of chunks) {
    if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 };
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    const delta = choice.delta ?? {};
    if (typeof delta.content === "string" && delta.content !== "") yield { type: "text", delta: delta.content };
    for (const tc of delta.tool_calls ?? []) {
      let call = calls.get(tc.index);
      if (!call) {
        call = { id: tc.id ?? `call_${tc.index}`, name: "", json: "" };
        calls.set(tc.index, call);
      }
      if (tc.id) call.id = tc.id;
      if (tc.function?.name && call.name === "") call.name = tc.function.name; // some servers repeat it
      if (tc.function?.arguments) call.json += tc.function.arguments;
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  if (finish === null) return undefined;
  for (const index of [...calls.keys()].sort((a, b) => a - b)) {
    const call = calls.get(index)!;
    if (call.name === "") throw new ProviderError("protocol", `${label}: a tool call without a name`);
    yield { type: "tool_call", call: parseToolArgs(label, call) };
  }
  const stopReason = calls.size > 0 && finish !== "length" ? "tool_use" : (STOP_REASONS[finish] ?? "other");
  return { type: "done", stopReason, usage };
}
