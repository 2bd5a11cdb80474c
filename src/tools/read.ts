import type { FileHandle } from "node:fs/promises";
import { z } from "zod";
import { GatewayError } from "../core/errors.js";
import { resolveToolPath } from "../sandbox/paths.js";
import { openFileForRead } from "../sandbox/verified-file.js";
import { BINARY_SNIFF_BYTES, looksBinary, utf8Prefix } from "./binary.js";
import { scopeOf } from "./scope.js";
import type { ToolContext, ToolDefinition } from "./types.js";

export const readArgs = z.strictObject({
  path: z.string().min(1).max(4096),
  /** 1-based number of the first line returned. */
  offset: z.number().int().min(1).optional(),
  /** Number of lines returned. */
  limit: z.number().int().min(1).optional(),
});
export type ReadArgs = z.infer<typeof readArgs>;

export type ReadResult =
  | { path: string; content: string; totalLines: number; truncated: boolean }
  | { path: string; binary: true; bytes: number };

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * Streams the file once: counts every line, keeps the bytes of the requested
 * lines up to `maxBytes`. Memory stays bounded whatever the file size.
 */
async function readLines(
  handle: FileHandle,
  first: number,
  count: number,
  maxBytes: number,
  signal: AbortSignal | undefined,
): Promise<{ content: Buffer; totalLines: number; truncated: boolean }> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let truncated = false;
  let line = 1;
  let lastByte = NEWLINE;
  let sawBytes = false;
  const last = first + count - 1;
  const buf = Buffer.alloc(CHUNK);
  for (let position = 0; ; ) {
    signal?.throwIfAborted();
    const { bytesRead } = await handle.read(buf, 0, CHUNK, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    sawBytes = true;
    const chunk = buf.subarray(0, bytesRead);
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl + 1;
      if (line >= first && line <= last && !truncated) {
        const piece = chunk.subarray(start, end);
        if (keptBytes + piece.length > maxBytes) {
          kept.push(Buffer.from(utf8Prefix(piece, maxBytes - keptBytes)));
          truncated = true;
        } else {
          kept.push(Buffer.from(piece));
          keptBytes += piece.length;
        }
      }
      if (nl === -1) break;
      line++;
      start = end;
    }
    lastByte = chunk[chunk.length - 1] ?? NEWLINE;
  }
  const totalLines = !sawBytes ? 0 : lastByte === NEWLINE ? line - 1 : line;
  return { content: Buffer.concat(kept), totalLines, truncated };
}

export async function runRead(args: ReadArgs, ctx: ToolContext): Promise<ReadResult> {
  const scope = await scopeOf(ctx);
  const resolved = await resolveToolPath(scope, args.path);
  const file = await openFileForRead(scope, resolved);
  try {
    const head = Buffer.alloc(BINARY_SNIFF_BYTES);
    const { bytesRead } = await file.handle.read(head, 0, head.length, 0);
    if (looksBinary(head.subarray(0, bytesRead))) {
      return { path: resolved.display, binary: true, bytes: file.stat.size };
    }
    const first = args.offset ?? 1;
    const count = args.limit ?? Number.MAX_SAFE_INTEGER - first;
    const out = await readLines(file.handle, first, count, ctx.limits.maxReadBytes, ctx.signal);
    if (first > 1 && first > out.totalLines) {
      throw new GatewayError(
        "INVALID_REQUEST",
        `offset ${first} is past the end of the file (${out.totalLines} lines)`,
      );
    }
    const content = out.content.toString("utf8");
    return { path: resolved.display, content, totalLines: out.totalLines, truncated: out.truncated };
  } finally {
    await file.handle.close();
  }
}

export const readTool: ToolDefinition<ReadArgs> = {
  name: "read",
  mutates: false,
  schema: readArgs,
  run: runRead,
};
