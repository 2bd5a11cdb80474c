import { z } from "zod";
import type { GlobResult } from "./glob-run.js";
import { runInWorker } from "./run-in-worker.js";
import { scopeOf } from "./scope.js";
import type { ToolContext, ToolDefinition } from "./types.js";

export const globArgs = z.strictObject({
  /** picomatch syntax, relative to the workspace; dotfiles match only when the pattern names the dot. */
  pattern: z.string().min(1).max(1024),
});
export type GlobArgs = z.infer<typeof globArgs>;

/** Soft deadline share of the budget: the walk returns partial results before the hard kill. */
const SOFT_SHARE = 0.8;

export async function runGlob(args: GlobArgs, ctx: ToolContext): Promise<GlobResult> {
  const budget = ctx.limits.searchTimeoutMs;
  return await runInWorker<GlobResult>(
    {
      kind: "glob",
      scope: await scopeOf(ctx),
      pattern: args.pattern,
      maxResults: ctx.limits.maxResults,
      softDeadline: Date.now() + budget * SOFT_SHARE,
    },
    { timeoutMs: budget, timeoutMessage: "glob timed out", signal: ctx.signal, limits: ctx.limits },
  );
}

export const globTool: ToolDefinition<GlobArgs> = {
  name: "glob",
  mutates: false,
  schema: globArgs,
  run: runGlob,
};
