import { z } from "zod";
import { runInWorker } from "./run-in-worker.js";
import { scopeOf } from "./scope.js";
import { compilePattern } from "./search-run.js";
import type { SearchResult } from "./search-run.js";
import type { ToolContext, ToolDefinition } from "./types.js";

export const searchArgs = z.strictObject({
  /** A JavaScript regular expression (no flags), matched line by line. */
  pattern: z.string().min(1).max(4096),
  /** File or directory to search (default: the workspace). */
  path: z.string().min(1).max(4096).optional(),
  /** picomatch filter on workspace-relative paths; without a "/" it matches base names. */
  glob: z.string().min(1).max(1024).optional(),
});
export type SearchArgs = z.infer<typeof searchArgs>;

const SOFT_SHARE = 0.8;

export async function runSearch(args: SearchArgs, ctx: ToolContext): Promise<SearchResult> {
  compilePattern(args.pattern); // a syntax error is answered without starting a worker
  const budget = ctx.limits.searchTimeoutMs;
  return await runInWorker<SearchResult>(
    {
      kind: "search",
      scope: await scopeOf(ctx),
      pattern: args.pattern,
      path: args.path ?? ".",
      glob: args.glob,
      maxResults: ctx.limits.maxResults,
      maxFileBytes: ctx.limits.maxSearchFileBytes,
      softDeadline: Date.now() + budget * SOFT_SHARE,
    },
    { timeoutMs: budget, timeoutMessage: "search timed out", signal: ctx.signal, limits: ctx.limits },
  );
}

export const searchTool: ToolDefinition<SearchArgs> = {
  name: "search",
  mutates: false,
  schema: searchArgs,
  run: runSearch,
};
