/**
 * The one provider interface. Adapters (one file per model API) translate between this
 * normalised shape and a vendor SDK; the agent loop never knows which vendor it talks to.
 * Contract shared by the agent loop (src/agents/*) and the adapters (src/agents/providers/*).
 */

export type ModelApi = "anthropic-messages" | "openai-completions";

/** A tool the model may call, with its argument JSON Schema. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface ToolCall {
  /** The provider's call id (Anthropic `toolu_…`, OpenAI `call_…`). */
  id: string;
  name: string;
  /** Parsed JSON arguments (an object); `{}` when the model sent none. Unparseable JSON → ProviderError. */
  args: Record<string, unknown>;
}

export type ChatMessage =
  | { role: "user"; text: string }
  | { role: "assistant"; text: string; toolCalls: ToolCall[] }
  | { role: "tool"; toolCallId: string; name: string; text: string; isError: boolean };

export interface ModelRequest {
  /** Model name as the provider knows it (the part after `provider/`). */
  model: string;
  system?: string;
  messages: ChatMessage[];
  tools: ToolSpec[];
  maxOutputTokens: number;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export type StopReason = "end_turn" | "tool_use" | "max_tokens" | "stop_sequence" | "refusal" | "other";

/** Streamed events, in order: any number of `text` / `tool_call`, then exactly one `done`. */
export type ModelStreamEvent =
  | { type: "text"; delta: string }
  /** Emitted once per call, when its arguments are complete. */
  | { type: "tool_call"; call: ToolCall }
  | { type: "done"; stopReason: StopReason; usage: Usage };

export interface ModelProvider {
  /** The provider id from config (`models.<id>`). */
  readonly id: string;
  readonly api: ModelApi;
  /**
   * One model call. Aborting `signal` must cancel the underlying HTTP request. Errors are thrown
   * as ProviderError (never containing the API key). Retries/fallbacks are NOT done here.
   */
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelStreamEvent>;
}

export type ProviderErrorKind =
  | "auth" // 401/403: not retried
  | "rate_limited" // 429: retried with backoff
  | "server" // 5xx / overloaded: retried
  | "network" // connection refused/reset, timeout: retried
  | "bad_request" // 400/404/422: not retried
  | "aborted" // the signal fired: never retried
  | "protocol"; // malformed stream / unparseable tool args: not retried

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly status?: number,
    /** Seconds from a Retry-After header, when the provider sent one. */
    readonly retryAfterSec?: number,
  ) {
    super(message);
    this.name = "ProviderError";
  }

  get retryable(): boolean {
    return this.kind === "rate_limited" || this.kind === "server" || this.kind === "network";
  }
}
