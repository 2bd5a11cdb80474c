import { z } from "zod";
import { runCommand } from "../sandbox/bwrap.js";
import type { CommandResult } from "../sandbox/bwrap.js";
import type { ToolContext, ToolDefinition } from "./types.js";

export const bashArgs = z.strictObject({
  command: z
    .string()
    .min(1)
    .max(100_000)
    .refine((c) => !c.includes("\0"), "command must not contain NUL bytes"),
  /** Capped at limits.maxTimeoutMs; default limits.defaultTimeoutMs. */
  timeoutMs: z.number().int().min(1).optional(),
});
export type BashArgs = z.infer<typeof bashArgs>;

export function effectiveTimeout(requested: number | undefined, ctx: ToolContext): number {
  return Math.min(requested ?? ctx.limits.defaultTimeoutMs, ctx.limits.maxTimeoutMs);
}

/** Runs `bash -c command` in the workspace: under bubblewrap (sandbox) or directly (host). */
export function runBash(args: BashArgs, ctx: ToolContext): Promise<CommandResult> {
  return runCommand({
    command: args.command,
    cwd: ctx.workspace,
    workspace: ctx.workspace,
    policy: ctx.policy,
    timeoutMs: effectiveTimeout(args.timeoutMs, ctx),
    maxOutputBytes: ctx.limits.maxOutputBytes,
    hiddenPaths: ctx.hiddenPaths,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.bwrapPath ? { bwrapPath: ctx.bwrapPath } : {}),
    ...(ctx.sandbox ? { sandbox: ctx.sandbox } : {}),
  });
}

export const bashTool: ToolDefinition<BashArgs> = {
  name: "bash",
  mutates: true,
  schema: bashArgs,
  run: runBash,
};

/** `exec` is the same tool under the name the guide and the approvals use. */
export const execTool: ToolDefinition<BashArgs> = { ...bashTool, name: "exec" };
