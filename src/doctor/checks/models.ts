/**
 * Models: provider keys come from the environment, every agent's model names a configured provider, and no
 * key or prompt crosses the network in clear text. Guide: "Store secrets in environment variables, not config
 * files" (`models.anthropic.apiKey: ${ANTHROPIC_API_KEY}`).
 *
 * Decisions:
 * - A model key written literally is a **fail** (unlike the gateway's own secrets, which `auth` warns
 *   about): it is a vendor credential that spends money, cannot be narrowed, and config files travel (backups,
 *   bug reports). Exception: a provider on a loopback `baseUrl` (a local Ollama) usually takes a placeholder
 *   key, so there it is a warning. While this check runs, `auth.literal-secret` leaves `models.*` to it.
 * - An agent whose model or fallback names a missing provider stops the config from loading; doctor then
 *   reports it here too, with the fix, besides the `config.invalid` line.
 * - `baseUrl` over plain `http://` is a fail unless the host is loopback (127.0.0.0/8, ::1, `localhost`); a
 *   host name is not resolved (a name that happens to point at 127.0.0.1 still fails: use the address).
 */
import { formatKeyPath, modelApiOf } from "../../config/index.js";
import { isLoopback } from "../../transport/net/ip.js";
import type { DoctorContext, Finding } from "../types.js";

const MODEL_REF_ISSUE = /^agents\.(?:[A-Za-z0-9_-]+|\[[^\]]+\])\.(model|fallbacks\[\d+\])$/;

/** Whether a URL's host is this machine, by address or the `localhost` name. Unparseable → false. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  return isLoopback(host.replace(/^\[|\]$/g, ""));
}

export async function modelsCheck(ctx: DoctorContext): Promise<Finding[]> {
  if (!ctx.loaded) {
    const out: Finding[] = ctx.configIssues
      .filter((i) => MODEL_REF_ISSUE.test(i.path))
      .map((i) => ({
        check: "models",
        id: "models.agent-provider",
        status: "fail",
        subject: i.path,
        message: `${i.message}: the gateway will not start with this config`,
        fix: "add the provider under models (api, apiKey: ${ENV_NAME}) or point the agent at a configured provider/model",
      }));
    out.push({
      check: "models",
      id: "models.skipped",
      status: "warn",
      subject: "(config)",
      message: "other model checks skipped: the config is invalid (see the config findings)",
      fix: "fix the config errors and run clawdbot doctor again",
    });
    return out;
  }
  const { config, file, fromEnv } = ctx.loaded;
  const envPaths = new Set(fromEnv);
  const out: Finding[] = [];
  const ids = Object.keys(config.models);
  if (ids.length === 0) {
    return [{ check: "models", id: "models.configured", status: "pass", subject: "models", message: "no model providers configured: agent runs are off (tools.invoke only)" }];
  }

  for (const id of ids) {
    const m = config.models[id]!;
    const base = formatKeyPath(["models", id]);
    const endpoint = m.baseUrl ?? (modelApiOf(id, m) === "anthropic-messages" ? "https://api.anthropic.com" : "https://api.openai.com/v1");
    const local = isLoopbackUrl(endpoint);
    const keyPath = `${base}.apiKey`;
    if (m.apiKey === undefined) {
      if (!local)
        out.push({
          check: "models",
          id: "models.api-key",
          status: "warn",
          subject: keyPath,
          message: `provider "${id}" has no apiKey: no credentials are sent, so a vendor API refuses every call (fine only for a server that needs none)`,
          fix: `set ${keyPath}: \${ENV_NAME} and export ENV_NAME to the gateway`,
        });
    } else if (envPaths.has(keyPath)) {
      out.push({ check: "models", id: "models.literal-key", status: "pass", subject: keyPath, message: "taken from the environment" });
    } else {
      out.push({
        check: "models",
        id: "models.literal-key",
        status: local ? "warn" : "fail",
        subject: keyPath,
        message: `the API key is written literally in ${file ?? "the config"}${local ? " (a loopback server; usually a placeholder)" : ""}`,
        fix: `replace it with \${ENV_NAME} (e.g. \${${envNameFor(id)}}), set that variable in the gateway's environment, and rotate the key if the file was ever shared`,
      });
    }
    if (m.baseUrl !== undefined) {
      const clear = /^http:\/\//i.test(m.baseUrl) && !local;
      out.push(
        clear
          ? {
              check: "models",
              id: "models.base-url",
              status: "fail",
              subject: `${base}.baseUrl`,
              message: "plain http:// to a host that is not this machine: the API key and every prompt and tool result cross the network unencrypted",
              fix: "use https://, or reach the server through a TLS proxy or an SSH tunnel on 127.0.0.1",
            }
          : { check: "models", id: "models.base-url", status: "pass", subject: `${base}.baseUrl`, message: local ? "loopback" : "https" },
      );
    }
  }

  for (const [agentId, a] of Object.entries(config.agents)) {
    const subject = formatKeyPath(["agents", agentId, "model"]);
    if (a.model === undefined) {
      out.push({
        check: "models",
        id: "models.agent-provider",
        status: "warn",
        subject,
        message: `agent "${agentId}" has no model: runs on it are refused (tools.invoke still works)`,
        fix: `set ${subject}: <provider>/<model> (providers: ${ids.join(", ")})`,
      });
    } else {
      const chain = [a.model, ...a.fallbacks].join(" → ");
      out.push({ check: "models", id: "models.agent-provider", status: "pass", subject, message: `uses ${chain}` });
    }
  }
  return out;
}

/** A suggested variable name: `anthropic` → ANTHROPIC_API_KEY. */
function envNameFor(id: string): string {
  const stem = id.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return `${stem || "MODEL"}_API_KEY`;
}
