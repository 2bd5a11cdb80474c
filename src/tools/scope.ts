import { resolveScope } from "../sandbox/paths.js";
import type { PathScope } from "../sandbox/paths.js";
import type { ToolContext } from "./types.js";

/**
 * Resolved scopes are reused briefly: resolving one costs three file system
 * calls per tool call, and the workspace's own location (outside the reach of
 * the agent, in the state dir or where the operator put it) does not move
 * under a running gateway. Every path inside the workspace is still resolved
 * and verified on each call.
 */
const SCOPE_TTL_MS = 2_000;
const cache = new Map<string, { scope: Promise<PathScope>; at: number }>();

/** The path scope of one tool call. */
export function scopeOf(ctx: ToolContext): Promise<PathScope> {
  const key = JSON.stringify([ctx.workspace, ctx.policy, ctx.hiddenPaths]);
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && now - hit.at < SCOPE_TTL_MS) return hit.scope;
  const scope = resolveScope({ workspace: ctx.workspace, policy: ctx.policy, hiddenPaths: ctx.hiddenPaths });
  if (cache.size > 256) cache.clear();
  cache.set(key, { scope, at: now });
  scope.catch(() => cache.delete(key));
  return scope;
}
