/**
 * Providers from config: `models.<id>` → a ModelProvider for its `api`, and an agent's `model` +
 * `fallbacks` → the ordered candidates `streamWithFallback` tries. Creating a provider loads no SDK;
 * the adapter imports its SDK on the first model call.
 */
import { modelApiOf, resolveModelRef, type Config, type ModelConfig } from "../../config/index.js";
import { createAnthropicProvider } from "./anthropic-messages.js";
import type { Candidate } from "./fallback.js";
import { createOpenAIProvider } from "./openai-completions.js";
import type { ModelProvider } from "./types.js";

export { streamWithFallback, type Candidate, type FallbackOptions, type FallbackStreamEvent, type AttemptRecord } from "./fallback.js";
export * from "./types.js";

export function createProvider(id: string, cfg: ModelConfig): ModelProvider {
  const api = modelApiOf(id, cfg);
  const settings = { apiKey: cfg.apiKey, baseUrl: cfg.baseUrl, requestTimeoutMs: cfg.requestTimeoutMs };
  switch (api) {
    case "anthropic-messages":
      return createAnthropicProvider(id, settings);
    case "openai-completions":
      return createOpenAIProvider(id, settings);
    default:
      throw new Error(`models.${id}.api is required for this provider id ("anthropic-messages" or "openai-completions")`);
  }
}

/** One provider object per configured id, made on first use (so an unused provider costs nothing). */
export class ProviderRegistry {
  private readonly made = new Map<string, ModelProvider>();
  constructor(private readonly models: Config["models"]) {}

  get(id: string): ModelProvider | undefined {
    let p = this.made.get(id);
    const cfg = Object.hasOwn(this.models, id) ? this.models[id] : undefined;
    if (!p && cfg) {
      p = createProvider(id, cfg);
      this.made.set(id, p);
    }
    return p;
  }

  /**
   * The agent's primary model then its fallbacks, as candidates. Throws with the key path when a ref does
   * not resolve (config load already refuses that, so this is a guard).
   */
  candidates(agent: { model?: string | undefined; fallbacks: readonly string[] }, agentId: string): Candidate[] {
    if (agent.model === undefined) return [];
    return [agent.model, ...agent.fallbacks].map((ref, i) => {
      const r = resolveModelRef(this.models, ref);
      if (!r.ok) throw new Error(`agents.${agentId}.${i === 0 ? "model" : `fallbacks[${i - 1}]`}: ${r.reason}`);
      return {
        provider: this.get(r.ref.provider)!,
        model: r.ref.model,
        maxRetries: r.ref.config.maxRetries,
        retryBaseMs: r.ref.config.retryBaseMs,
      };
    });
  }
}
