import { resolveScope } from "../sandbox/paths.js";
import type { PathScope } from "../sandbox/paths.js";
import type { ToolContext } from "./types.js";

/** The path scope of one tool call. */
export function scopeOf(ctx: ToolContext): Promise<PathScope> {
  return resolveScope({ workspace: ctx.workspace, policy: ctx.policy, hiddenPaths: ctx.hiddenPaths });
}
