/**
 * Session keys as OpenClaw clients send them: `agent:<agentId>:<name>`. A bare
 * name (`main`, `x`) means `agent:<default agent>:<name>`. Keys are names only:
 * on disk a session is its random sessionId, so a key never becomes a path.
 */
import { GatewayError } from "../core/errors.js";

export interface SessionKey {
  /** The canonical form, `agent:<agentId>:<name>`. */
  key: string;
  agentId: string;
  name: string;
}

const AGENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Printable, no control characters; `:` allowed (OpenClaw uses `telegram:dm:123`-style names). */
const NAME = /^[\x21-\x7e]{1,200}$/;

export function parseSessionKey(raw: string, defaultAgentId: string): SessionKey {
  let agentId = defaultAgentId;
  let name = raw;
  if (raw.startsWith("agent:")) {
    const rest = raw.slice("agent:".length);
    const i = rest.indexOf(":");
    agentId = i < 0 ? rest : rest.slice(0, i);
    name = i < 0 ? "main" : rest.slice(i + 1);
  }
  if (!AGENT_ID.test(agentId) || !NAME.test(name))
    throw new GatewayError("INVALID_REQUEST", "invalid session key: expected agent:<agentId>:<name> (printable, at most 200 characters)", {
      details: { code: "INVALID_SESSION_KEY" },
    });
  return { key: `agent:${agentId}:${name}`, agentId, name };
}
