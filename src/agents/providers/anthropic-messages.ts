/**
 * `anthropic-messages`: Anthropic's Messages API through `@anthropic-ai/sdk`, streamed.
 *
 * Transcript mapping: assistant text and tool calls become `text` / `tool_use` blocks; tool results become
 * `tool_result` blocks (with `is_error`) in the following user message, ahead of any user text, as the API
 * requires. The SDK is imported on the first call (a gateway without this provider never loads it); its
 * own retries are off (the fallback layer retries) and it reads nothing from the environment or profiles.
 */
import type * as AnthropicSdk from "@anthropic-ai/sdk";
import type Anthropic from "@anthropic-ai/sdk";
import type { MessageParam, RawMessageStreamEvent, TextBlockParam, ToolResultBlockParam, ToolUseBlockParam } from "@anthropic-ai/sdk/resources/messages";
import { lazy, parseToolArgs, streamCall, type DoneEvent, type ProviderSettings } from "./call.js";
import {
  ProviderError,
  type ChatMessage,
  type ModelProvider,
  type ModelRequest,
  type ModelStreamEvent,
  type StopReason,
} from "./types.js";

type Sdk = typeof AnthropicSdk;
const loadSdk = lazy<Sdk>(() => import("@anthropic-ai/sdk"));

export const ANTHROPIC_DEFAULT_BASE_URL = "https://api.anthropic.com";

const STOP_REASONS: Record<string, StopReason> = {
  end_turn: "end_turn",
  tool_use: "tool_use",
  max_tokens: "max_tokens",
  model_context_window_exceeded: "max_tokens",
  stop_sequence: "stop_sequence",
  refusal: "refusal",
};

/** Our transcript → Messages API `messages` (consecutive user-side entries merge into one user message). */
export function toAnthropicMessages(messages: readonly ChatMessage[]): MessageParam[] {
  const out: MessageParam[] = [];
  let userBlocks: (TextBlockParam | ToolResultBlockParam)[] = [];
  const flushUser = (): void => {
    if (userBlocks.length === 0) return;
    // tool_result blocks must lead the user message.
    const results = userBlocks.filter((b) => b.type === "tool_result");
    const texts = userBlocks.filter((b) => b.type === "text");
    out.push({ role: "user", content: [...results, ...texts] });
    userBlocks = [];
  };
  for (const m of messages) {
    if (m.role === "user") {
      if (m.text !== "") userBlocks.push({ type: "text", text: m.text });
    } else if (m.role === "tool") {
      userBlocks.push({ type: "tool_result", tool_use_id: m.toolCallId, content: m.text, ...(m.isError ? { is_error: true } : {}) });
    } else {
      flushUser();
      const content: (TextBlockParam | ToolUseBlockParam)[] = [];
      if (m.text !== "") content.push({ type: "text", text: m.text });
      for (const c of m.toolCalls) content.push({ type: "tool_use", id: c.id, name: c.name, input: c.args });
      if (content.length > 0) out.push({ role: "assistant", content });
    }
  }
  flushUser();
  return out;
}

export function createAnthropicProvider(id: string, settings: ProviderSettings): ModelProvider {
  const label = id;
  let client: Anthropic | undefined;
  const getClient = (sdk: Sdk): Anthropic =>
    (client ??= new (configOnlyClass(sdk))({
      apiKey: settings.apiKey ?? null,
      authToken: null,
      baseURL: settings.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL,
      maxRetries: 0,
      timeout: settings.requestTimeoutMs,
      logLevel: "off",
      // Without a key, send no Authorization header rather than let the SDK look for credentials elsewhere.
      ...(settings.apiKey ? {} : { defaultHeaders: { authorization: null, "x-api-key": null } }),
    }));

  const stream = (request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelStreamEvent> =>
    streamCall({
      label,
      settings,
      signal,
      pkg: "@anthropic-ai/sdk",
      load: loadSdk,
      open: (sdk, callSignal) =>
        getClient(sdk).messages.create(
          {
            model: request.model,
            max_tokens: request.maxOutputTokens,
            ...(request.system ? { system: request.system } : {}),
            messages: toAnthropicMessages(request.messages),
            ...(request.tools.length
              ? {
                  tools: request.tools.map((t) => ({
                    name: t.name,
                    description: t.description,
                    input_schema: { type: "object" as const, ...t.inputSchema },
                  })),
                }
              : {}),
            stream: true,
          },
          { signal: callSignal },
        ),
      read: (events) => readStream(label, events),
      cutShort: "the stream ended before message_stop",
    });

  return { id, api: "anthropic-messages", stream };
}

/**
 * The SDK's client, minus its default credential chain: without an explicit key the stock client would
 * read profile files from the user's config directory (and take a token and base URL from them). The
 * gateway's credentials come from its config only.
 */
let configOnly: typeof Anthropic | undefined;
function configOnlyClass(sdk: Sdk): typeof Anthropic {
  configOnly ??= class ConfigOnlyAnthropic extends sdk.Anthropic {
    protected override _shouldResolveDefaultCredentials(): boolean {
      return false;
    }
  };
  return configOnly;
}

/** Yields text and tool calls; returns the `done` event, or undefined when the stream stopped short. */
async function* readStream(
  label: string,
  events: AsyncIterable<RawMessageStreamEvent>,
): AsyncGenerator<ModelStreamEvent, DoneEvent | undefined> {
  const tools = new Map<number, { id: string; name: string; json: string }>();
  let inputTokens = 0;
  let outputTokens = 0;
  let stopReason: string | null = null;
  let stopped = false;
  for await (const ev of events) {
    switch (ev.type) {
      case "message_start": {
        const u = ev.message.usage;
        inputTokens = u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
        outputTokens = u.output_tokens;
        break;
      }
      case "content_block_start":
        if (ev.content_block.type === "tool_use")
          tools.set(ev.index, { id: ev.content_block.id, name: ev.content_block.name, json: "" });
        break;
      case "content_block_delta":
        if (ev.delta.type === "text_delta") {
          if (ev.delta.text !== "") yield { type: "text", delta: ev.delta.text };
        } else if (ev.delta.type === "input_json_delta") {
          const t = tools.get(ev.index);
          if (!t) throw new ProviderError("protocol", `${label}: tool arguments for an unknown content block`);
          t.json += ev.delta.partial_json;
        }
        break;
      case "content_block_stop": {
        const t = tools.get(ev.index);
        if (t) {
          tools.delete(ev.index);
          yield { type: "tool_call", call: parseToolArgs(label, t) };
        }
        break;
      }
      case "message_delta":
        stopReason = ev.delta.stop_reason ?? stopReason;
        outputTokens = ev.usage.output_tokens ?? outputTokens;
        if (ev.usage.input_tokens != null) inputTokens = Math.max(inputTokens, ev.usage.input_tokens);
        break;
      case "message_stop":
        stopped = true;
        break;
    }
  }
  if (!stopped) return undefined; // the caller tells an abort from a truncated stream
  if (tools.size > 0) throw new ProviderError("protocol", `${label}: the stream ended inside a tool call`);
  return { type: "done", stopReason: STOP_REASONS[stopReason ?? ""] ?? "other", usage: { inputTokens, outputTokens } };
}
