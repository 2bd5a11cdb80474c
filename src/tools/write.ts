import { z } from "zod";
import { GatewayError } from "../core/errors.js";
import { resolveToolPath } from "../sandbox/paths.js";
import { writeFileAtomic } from "../sandbox/verified-file.js";
import { scopeOf } from "./scope.js";
import type { ToolContext, ToolDefinition } from "./types.js";

export const writeArgs = z.strictObject({
  path: z.string().min(1).max(4096),
  content: z.string(),
});
export type WriteArgs = z.infer<typeof writeArgs>;

export interface WriteResult {
  path: string;
  bytes: number;
  created: boolean;
}

export function checkWriteSize(bytes: number, ctx: ToolContext): void {
  if (bytes > ctx.limits.maxWriteBytes) {
    throw new GatewayError(
      "INVALID_REQUEST",
      `content is ${bytes} bytes; the limit is ${ctx.limits.maxWriteBytes} bytes`,
    );
  }
}

export async function runWrite(args: WriteArgs, ctx: ToolContext): Promise<WriteResult> {
  const data = Buffer.from(args.content, "utf8");
  checkWriteSize(data.length, ctx);
  ctx.signal?.throwIfAborted();
  const scope = await scopeOf(ctx);
  const resolved = await resolveToolPath(scope, args.path);
  const { created } = await writeFileAtomic(scope, resolved, data);
  return { path: resolved.display, bytes: data.length, created };
}

export const writeTool: ToolDefinition<WriteArgs> = {
  name: "write",
  mutates: true,
  schema: writeArgs,
  run: runWrite,
};
