import type { FileHandle } from "node:fs/promises";
import { GatewayError } from "../core/errors.js";
import { GENESIS_HASH, isHash, isRetentionAnchor, isUnchained } from "./hash-chain.js";
import { parseLine } from "./line-reader.js";

/** What the writer needs to know about the existing file. */
export interface TailState {
  /** Offset just past the last whole line (the file is truncated to this). */
  goodSize: number;
  /** The prevHash the next appended line must carry. */
  head: string;
  /** Bytes removed from a torn tail (0 when the file was whole). */
  truncatedBytes: number;
  /** The last whole line has no hash chain: the caller decides whether the file can be adopted. */
  unchained?: boolean;
  /** `ts` of the last whole line (ms), when it has one: the log's own idea of "latest". */
  lastTsMs?: number;
}

/** A crash tears at most the last group commit; refuse to cut more than this automatically. */
export const MAX_REPAIR_BYTES = 16 * 1024 * 1024;

/** The chain head after a last whole line that starts at `start`. */
export function headAfter(line: Record<string, unknown>, start: number): string {
  // A line-1 retention anchor does not advance the chain (see docs/audit.md).
  if (start === 0 && isRetentionAnchor(line)) return line.prevHash as string;
  return line.hash as string;
}

interface LastLine {
  end: number;
  start: number;
  line: Record<string, unknown>;
}

async function readRange(fh: FileHandle, start: number, end: number): Promise<Buffer> {
  const buf = Buffer.alloc(end - start);
  let off = 0;
  while (off < buf.length) {
    const { bytesRead } = await fh.read(buf, off, buf.length - off, start + off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return buf.subarray(0, off);
}

/** Finds the last line that parses as a JSON object, scanning back from `size`. */
async function findLastWholeLine(fh: FileHandle, size: number): Promise<LastLine | undefined> {
  let window = Math.min(size, 64 * 1024);
  for (;;) {
    const base = size - window;
    const buf = await readRange(fh, base, size);
    // Candidate lines end at each newline; walk them from the last backwards.
    let end = buf.lastIndexOf(0x0a);
    while (end !== -1) {
      const prevNl = end === 0 ? -1 : buf.lastIndexOf(0x0a, end - 1);
      if (prevNl === -1 && base > 0) break; // line may start before the window
      const line = parseLine(buf.subarray(prevNl + 1, end).toString("utf8"));
      if (line) return { start: base + prevNl + 1, end: base + end + 1, line };
      end = prevNl;
    }
    if (base === 0) return undefined;
    if (window >= MAX_REPAIR_BYTES) return undefined;
    window = Math.min(size, window * 2);
  }
}

/**
 * Inspects the end of an open log and truncates a torn tail (a final fragment
 * without newline, or trailing lines that do not parse) back to the last whole
 * line. Refuses (UNAVAILABLE) when the damage is larger than a crash can cause
 * or the last line carries half a hash chain; a last line with none is flagged
 * `unchained` (see adopt.ts).
 */
export async function repairTail(fh: FileHandle, size: number): Promise<TailState> {
  if (size === 0) return { goodSize: 0, head: GENESIS_HASH, truncatedBytes: 0 };
  const last = await findLastWholeLine(fh, size);
  const goodSize = last ? last.end : 0;
  if (size - goodSize > MAX_REPAIR_BYTES) {
    throw new GatewayError("UNAVAILABLE", "audit log tail is damaged beyond automatic repair");
  }
  const unchained = last !== undefined && isUnchained(last.line);
  if (last && !unchained && !(isHash(last.line.hash) && isHash(last.line.prevHash))) {
    throw new GatewayError("UNAVAILABLE", "audit log last line has a partial hash chain; refusing to append");
  }
  if (goodSize < size) {
    await fh.truncate(goodSize);
    await fh.datasync();
  }
  const lastTsMs = typeof last?.line.ts === "string" ? Date.parse(last.line.ts) : NaN;
  return {
    goodSize,
    head: last && !unchained ? headAfter(last.line, last.start) : GENESIS_HASH,
    truncatedBytes: size - goodSize,
    ...(unchained ? { unchained } : {}),
    ...(Number.isFinite(lastTsMs) ? { lastTsMs } : {}),
  };
}
