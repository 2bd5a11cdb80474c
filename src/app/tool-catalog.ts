/**
 * `tools.catalog` (WebSocket) and `GET /tools` (HTTP): the built-in tools a
 * caller may use on an agent, each with the JSON Schema of its arguments —
 * the same schema `tools.invoke` validates against. A tool the caller's role
 * may not use on that agent is left out (the policy's own authorizeTool, not a
 * second copy of the rules); listing is not a refusal, so nothing is audited.
 */
import { z } from "zod";
import { GatewayError } from "../core/errors.js";
import type { Principal } from "../core/principal.js";
import type { Permission } from "../policy/index.js";
import { builtinTools } from "../tools/registry.js";
import type { ToolDefinition } from "../tools/types.js";
import type { Runtime } from "./runtime.js";

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  read: "Read a text file in the agent workspace (binary files: size only, or base64 per tools.limits.binaryFiles).",
  write: "Create or replace a file in the agent workspace.",
  edit: "Replace an exact text occurrence in a workspace file.",
  glob: "List workspace paths matching a glob pattern.",
  search: "Search workspace files for a regular expression.",
  bash: "Run a shell command (parsed, classified, blocklist-checked, approval when required, sandboxed under tools.policy: sandbox).",
  exec: "Alias of bash.",
};

export interface CatalogEntry {
  name: string;
  description: string;
  /** True when the tool can change something (a read-only role never sees it). */
  mutates: boolean;
  /** JSON Schema (draft 2020-12) of the `args` object. */
  inputSchema: Record<string, unknown>;
}

const schemaCache = new WeakMap<ToolDefinition, Record<string, unknown>>();
function inputSchema(tool: ToolDefinition): Record<string, unknown> {
  let s = schemaCache.get(tool);
  if (!s) {
    s = z.toJSONSchema(tool.schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
    schemaCache.set(tool, s);
  }
  return s;
}

export function toolCatalog(
  runtime: Runtime,
  caller: { principal: Principal; scopes?: ReadonlySet<Permission> | undefined },
  agentId = "main",
): { agentId: string; tools: CatalogEntry[] } {
  if (!runtime.agents.has(agentId))
    throw new GatewayError("NOT_FOUND", `unknown agent ${JSON.stringify(agentId.slice(0, 64))}`, { details: { code: "AGENT_NOT_FOUND" } });
  const tools: CatalogEntry[] = [];
  for (const tool of builtinTools.values()) {
    const d = runtime.policy.authorizeTool({
      principalId: caller.principal.id,
      agentId,
      tool: tool.name,
      mutates: tool.mutates,
      ...(caller.scopes ? { scopes: caller.scopes } : {}),
    });
    if (!d.allow) continue;
    tools.push({ name: tool.name, description: DESCRIPTIONS[tool.name] ?? tool.name, mutates: tool.mutates, inputSchema: inputSchema(tool) });
  }
  return { agentId, tools };
}
