import { z } from "zod";
import { GatewayError } from "../core/errors.js";
import { pathMistake } from "../sandbox/denial.js";
import { resolveToolPath } from "../sandbox/paths.js";
import { openFileForRead, writeFileAtomic } from "../sandbox/verified-file.js";
import { looksBinary } from "./binary.js";
import { scopeOf } from "./scope.js";
import type { ToolContext, ToolDefinition } from "./types.js";
import { checkWriteSize } from "./write.js";

export const editArgs = z.strictObject({
  path: z.string().min(1).max(4096),
  oldText: z.string().min(1),
  newText: z.string(),
});
export type EditArgs = z.infer<typeof editArgs>;

export interface EditResult {
  path: string;
  bytes: number;
}

/** Occurrences of `needle`, overlapping ones included (so "aa" in "aaa" is two). */
export function countOccurrences(haystack: Buffer, needle: Buffer, stopAt = Number.POSITIVE_INFINITY): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1 && n < stopAt; i = haystack.indexOf(needle, i + 1)) n++;
  return n;
}

export async function runEdit(args: EditArgs, ctx: ToolContext): Promise<EditResult> {
  const scope = await scopeOf(ctx);
  const resolved = await resolveToolPath(scope, args.path);
  const file = await openFileForRead(scope, resolved);
  let raw: Buffer;
  try {
    if (file.stat.size > ctx.limits.maxWriteBytes) {
      throw pathMistake(args.path, `file is larger than ${ctx.limits.maxWriteBytes} bytes; edit refused`);
    }
    raw = await file.handle.readFile();
    if (looksBinary(raw)) throw pathMistake(args.path, "is a binary file; edit refused");
  } finally {
    await file.handle.close();
  }
  // Bytes, not strings: bytes that are not valid UTF-8 elsewhere in the file survive the edit.
  const oldBytes = Buffer.from(args.oldText, "utf8");
  const matches = countOccurrences(raw, oldBytes);
  if (matches === 0) throw new GatewayError("INVALID_REQUEST", "oldText not found");
  if (matches > 1) throw new GatewayError("INVALID_REQUEST", `oldText matches ${matches} times; make it unique`);
  const at = raw.indexOf(oldBytes);
  // Splicing, not String.replace: `$&` and friends in newText stay literal.
  const updated = Buffer.concat([
    raw.subarray(0, at),
    Buffer.from(args.newText, "utf8"),
    raw.subarray(at + oldBytes.length),
  ]);
  checkWriteSize(updated.length, ctx);
  ctx.signal?.throwIfAborted();
  await writeFileAtomic(scope, resolved, updated, { expect: { dev: file.stat.dev, ino: file.stat.ino } });
  return { path: resolved.display, bytes: updated.length };
}

export const editTool: ToolDefinition<EditArgs> = {
  name: "edit",
  mutates: true,
  schema: editArgs,
  run: runEdit,
};
