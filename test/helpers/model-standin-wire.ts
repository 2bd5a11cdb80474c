/**
 * Wire formats of the loopback model stand-in: what Anthropic's Messages API and OpenAI's Chat
 * Completions API send, frame by frame (SSE event names, chunk shapes, error bodies), so that the
 * real SDKs parse them as they parse the vendors' replies.
 */

export interface ScriptedToolCall {
  name: string;
  args: Record<string, unknown>;
}

/** What the stand-in answers to one model call. */
export interface ReplyTurn {
  text?: string;
  toolCalls?: ScriptedToolCall[];
  /** Anthropic stop reason to report (default: tool_use when calls, else end_turn). */
  stopReason?: "end_turn" | "tool_use" | "max_tokens" | "stop_sequence" | "refusal";
}

/** Splits text into word-sized chunks (each word with its trailing whitespace), as a model streams. */
export function chunkText(text: string): string[] {
  return text.match(/\s*\S+\s*|\s+/g) ?? [];
}

/** Splits JSON text into pieces of about `size` characters (deliberately cutting tokens in half). */
function splitJson(json: string, size = 7): string[] {
  const parts: string[] = [];
  for (let i = 0; i < json.length; i += size) parts.push(json.slice(i, i + size));
  return parts;
}

let seq = 0;
const id = (prefix: string): string => `${prefix}${Date.now().toString(36)}${(++seq).toString(36).padStart(6, "0")}`;

/** A rough token count of a request, for usage reports. */
export function countTokens(body: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(body ?? "").length / 4));
}

// ---------------------------------------------------------------- Anthropic Messages

const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

function anthropicStop(turn: ReplyTurn): string {
  return turn.stopReason ?? (turn.toolCalls?.length ? "tool_use" : "end_turn");
}

/** The SSE frames of a streamed Messages reply, in order. `head` is how many frames precede content. */
export function anthropicStream(model: string, inputTokens: number, turn: ReplyTurn): string[] {
  const frames: string[] = [];
  frames.push(
    sse("message_start", {
      type: "message_start",
      message: {
        id: id("msg_"),
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: 1 },
      },
    }),
  );
  let index = 0;
  let outputTokens = 0;
  if (turn.text !== undefined) {
    frames.push(sse("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }));
    frames.push(sse("ping", { type: "ping" }));
    for (const piece of chunkText(turn.text)) {
      outputTokens++;
      frames.push(sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: piece } }));
    }
    frames.push(sse("content_block_stop", { type: "content_block_stop", index }));
    index++;
  }
  for (const call of turn.toolCalls ?? []) {
    frames.push(
      sse("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: id("toolu_"), name: call.name, input: {} },
      }),
    );
    frames.push(sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: "" } }));
    for (const part of splitJson(JSON.stringify(call.args))) {
      outputTokens++;
      frames.push(sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: part } }));
    }
    frames.push(sse("content_block_stop", { type: "content_block_stop", index }));
    index++;
  }
  frames.push(
    sse("message_delta", {
      type: "message_delta",
      delta: { stop_reason: anthropicStop(turn), stop_sequence: null },
      usage: { output_tokens: Math.max(1, outputTokens) },
    }),
  );
  frames.push(sse("message_stop", { type: "message_stop" }));
  return frames;
}

export function anthropicMessage(model: string, inputTokens: number, turn: ReplyTurn): unknown {
  const content: unknown[] = [];
  if (turn.text !== undefined) content.push({ type: "text", text: turn.text });
  for (const call of turn.toolCalls ?? []) content.push({ type: "tool_use", id: id("toolu_"), name: call.name, input: call.args });
  return {
    id: id("msg_"),
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: anthropicStop(turn),
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: Math.max(1, chunkText(turn.text ?? "").length) },
  };
}

const anthropicErrorTypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  529: "overloaded_error",
};

export function anthropicError(status: number, message: string): unknown {
  return { type: "error", error: { type: anthropicErrorTypes[status] ?? "api_error", message } };
}

// ---------------------------------------------------------------- OpenAI Chat Completions

const openaiFinish: Record<string, string> = {
  end_turn: "stop",
  tool_use: "tool_calls",
  max_tokens: "length",
  stop_sequence: "stop",
  refusal: "content_filter",
};

/** The `data:` frames of a streamed Chat Completions reply, ending with `[DONE]`. */
export function openaiStream(model: string, inputTokens: number, turn: ReplyTurn, includeUsage: boolean): string[] {
  const chatId = id("chatcmpl-");
  const created = Math.floor(Date.now() / 1000);
  const usageField = includeUsage ? { usage: null } : {};
  const chunk = (delta: unknown, finish: string | null = null): string =>
    `data: ${JSON.stringify({
      id: chatId,
      object: "chat.completion.chunk",
      created,
      model,
      system_fingerprint: "fp_standin",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...usageField,
    })}\n\n`;
  const frames = [chunk({ role: "assistant", content: "", refusal: null })];
  let outputTokens = 0;
  for (const piece of chunkText(turn.text ?? "")) {
    outputTokens++;
    frames.push(chunk({ content: piece }));
  }
  (turn.toolCalls ?? []).forEach((call, index) => {
    frames.push(chunk({ tool_calls: [{ index, id: id("call_"), type: "function", function: { name: call.name, arguments: "" } }] }));
    for (const part of splitJson(JSON.stringify(call.args))) {
      outputTokens++;
      frames.push(chunk({ tool_calls: [{ index, function: { arguments: part } }] }));
    }
  });
  frames.push(chunk({}, openaiFinish[anthropicStop(turn)] ?? "stop"));
  if (includeUsage) {
    const usage = { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens };
    frames.push(`data: ${JSON.stringify({ id: chatId, object: "chat.completion.chunk", created, model, system_fingerprint: "fp_standin", choices: [], usage })}\n\n`);
  }
  frames.push("data: [DONE]\n\n");
  return frames;
}

export function openaiCompletion(model: string, inputTokens: number, turn: ReplyTurn): unknown {
  const calls = (turn.toolCalls ?? []).map((call) => ({
    id: id("call_"),
    type: "function",
    function: { name: call.name, arguments: JSON.stringify(call.args) },
  }));
  const outputTokens = Math.max(1, chunkText(turn.text ?? "").length);
  return {
    id: id("chatcmpl-"),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: turn.text ?? null, refusal: null, ...(calls.length ? { tool_calls: calls } : {}) },
        logprobs: null,
        finish_reason: openaiFinish[anthropicStop(turn)] ?? "stop",
      },
    ],
    usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
    system_fingerprint: "fp_standin",
  };
}

const openaiErrorTypes: Record<number, [string, string | null]> = {
  400: ["invalid_request_error", null],
  401: ["invalid_request_error", "invalid_api_key"],
  403: ["invalid_request_error", "unsupported_country_region_territory"],
  404: ["invalid_request_error", "model_not_found"],
  429: ["requests", "rate_limit_exceeded"],
};

export function openaiError(status: number, message: string): unknown {
  const [type, code] = openaiErrorTypes[status] ?? ["server_error", null];
  return { error: { message, type, param: null, code } };
}
