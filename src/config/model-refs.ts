/**
 * Cross-field rules for `models.*` and `agents.*.model|fallbacks`, and the one
 * resolver from an agent's "provider/model" text to a configured provider.
 */
import type { ConfigIssue } from "./errors.js";
import { formatKeyPath } from "./key-path.js";
import { modelApiOf, parseModelRef, type Config, type ModelConfig } from "./schema.js";

export interface ResolvedModelRef {
  provider: string;
  model: string;
  config: ModelConfig;
}

/**
 * "provider/model", or a bare "provider" whose `models.<provider>.model` names the model.
 * Returns a reason (never a value from the config other than the provider id) when it does not resolve.
 */
export function resolveModelRef(
  models: Config["models"],
  ref: string,
): { ok: true; ref: ResolvedModelRef } | { ok: false; reason: string } {
  const parsed = parseModelRef(ref);
  const provider = parsed?.provider ?? ref;
  const cfg = Object.hasOwn(models, provider) ? models[provider] : undefined;
  if (!cfg) return { ok: false, reason: `provider "${provider}" is not configured under models` };
  const model = parsed?.model ?? cfg.model;
  if (!model) return { ok: false, reason: `expected "provider/model" (or set models.${provider}.model)` };
  if (!modelApiOf(provider, cfg)) return { ok: false, reason: `models.${provider}.api is not set` };
  return { ok: true, ref: { provider, model, config: cfg } };
}

export function modelIssues(c: Config): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const [id, m] of Object.entries(c.models)) {
    const path = formatKeyPath(["models", id]);
    if (id.includes("/")) out.push({ path, message: 'provider ids must not contain "/"' });
    if (!modelApiOf(id, m))
      out.push({ path: `${path}.api`, message: 'required for this provider id ("anthropic-messages" or "openai-completions")' });
    if (m.baseUrl !== undefined && !/^https?:\/\//i.test(m.baseUrl))
      out.push({ path: `${path}.baseUrl`, message: "must be an http:// or https:// URL" });
  }
  for (const [id, a] of Object.entries(c.agents)) {
    const refs: [string, string][] = [];
    if (a.model !== undefined) refs.push([formatKeyPath(["agents", id, "model"]), a.model]);
    a.fallbacks.forEach((f, i) => refs.push([`${formatKeyPath(["agents", id, "fallbacks"])}[${i}]`, f]));
    if (a.model === undefined && a.fallbacks.length > 0)
      out.push({ path: formatKeyPath(["agents", id, "model"]), message: "required when fallbacks are set" });
    for (const [path, ref] of refs) {
      const r = resolveModelRef(c.models, ref);
      if (!r.ok) out.push({ path, message: r.reason });
    }
  }
  return out;
}
