import { closeSync, read, readSync } from "node:fs";
import { promisify } from "node:util";
import { z } from "zod";
import { GatewayError } from "../core/errors.js";
import { resolveToolPath } from "../sandbox/paths.js";
import { openFileForReadSync } from "../sandbox/verified-file.js";
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
  | { path: string; binary: true; bytes: number }
  | { path: string; binary: true; bytes: number; encoding: "base64"; content: string; truncated: boolean };

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;
/** Files up to this size are read in one synchronous call (well under a millisecond from the page cache). */
const SYNC_READ_MAX = 1024 * 1024;
const readAsync = promisify(read);

type ReadChunk = (buf: Buffer, length: number, position: number) => Promise<number>;

/**
 * Streams the file once: counts every line, keeps the bytes of the requested
 * lines up to `maxBytes`. Memory stays bounded whatever the file size.
 */
async function readLines(
  readChunk: ReadChunk,
  first: number,
  count: number,
  maxBytes: number,
  signal: AbortSignal | undefined,
  /** Bytes already read from offset 0 (the binary sniff), and the size at open: reading stops there. */
  initial: Buffer,
  size: number,
): Promise<{ content: Buffer; totalLines: number; truncated: boolean }> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let truncated = false;
  let line = 1;
  let lastByte = NEWLINE;
  let sawBytes = false;
  const last = first + count - 1;
  const buf = size > initial.length ? Buffer.alloc(CHUNK) : Buffer.alloc(0);
  for (let position = 0; ; ) {
    signal?.throwIfAborted();
    let chunk: Buffer;
    if (position === 0 && initial.length > 0) chunk = initial;
    else {
      // The file is read as it was when opened: a file still growing is read up to its size at open.
      if (position >= size) break;
      const bytesRead = await readChunk(buf, Math.min(CHUNK, size - position), position);
      if (bytesRead === 0) break;
      chunk = buf.subarray(0, bytesRead);
    }
    position += chunk.length;
    sawBytes = true;
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
  const file = openFileForReadSync(scope, resolved);
  try {
    const size = file.stat.size;
    // Small files (the common case) in one synchronous read; large ones streamed in chunks.
    const headLength = size <= SYNC_READ_MAX ? size : BINARY_SNIFF_BYTES;
    const head = Buffer.allocUnsafe(headLength);
    const headRead = headLength === 0 ? 0 : readSync(file.fd, head, 0, headLength, 0);
    const initial = head.subarray(0, headRead);
    const readChunk: ReadChunk = async (buf, length, position) => (await readAsync(file.fd, buf, 0, length, position)).bytesRead;
    if (looksBinary(initial)) {
      if (ctx.limits.binaryFiles !== "base64") return { path: resolved.display, binary: true, bytes: size };
      const take = Math.min(size, ctx.limits.maxReadBytes);
      const buf = take <= initial.length ? initial.subarray(0, take) : Buffer.alloc(take);
      if (take > initial.length) {
        initial.copy(buf);
        let at = initial.length;
        while (at < take) {
          const n = await readChunk(buf.subarray(at), take - at, at);
          if (n === 0) break;
          at += n;
        }
      }
      return { path: resolved.display, binary: true, bytes: size, encoding: "base64", content: buf.toString("base64"), truncated: take < size };
    }
    const first = args.offset ?? 1;
    const count = args.limit ?? Number.MAX_SAFE_INTEGER - first;
    const out = await readLines(readChunk, first, count, ctx.limits.maxReadBytes, ctx.signal, initial, size);
    if (first > 1 && first > out.totalLines) {
      throw new GatewayError(
        "INVALID_REQUEST",
        `offset ${first} is past the end of the file (${out.totalLines} lines)`,
      );
    }
    const content = out.content.toString("utf8");
    return { path: resolved.display, content, totalLines: out.totalLines, truncated: out.truncated };
  } finally {
    closeSync(file.fd);
  }
}

export const readTool: ToolDefinition<ReadArgs> = {
  name: "read",
  mutates: false,
  schema: readArgs,
  run: runRead,
};
