import { open } from "node:fs/promises";

/** One line of the log as bytes on disk. `end` is the offset just past its newline. */
export interface RawLine {
  lineNo: number;
  start: number;
  end: number;
  text: string;
  /** False only for a final fragment with no trailing newline (a torn or in-progress write). */
  terminated: boolean;
}

const NEWLINE = 0x0a;

/** Streams the lines of a file from byte `start` (default 0), numbering from `firstLineNo` (default 1). */
export async function* readLines(
  path: string,
  opts: { start?: number; firstLineNo?: number; chunkSize?: number } = {},
): AsyncGenerator<RawLine> {
  const fh = await open(path, "r");
  try {
    const chunk = Buffer.allocUnsafe(opts.chunkSize ?? 256 * 1024);
    let pos = opts.start ?? 0;
    let lineNo = opts.firstLineNo ?? 1;
    let pending: Buffer[] = [];
    let pendingStart = pos;
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, pos);
      if (bytesRead === 0) break;
      const data = chunk.subarray(0, bytesRead);
      let from = 0;
      for (let nl = data.indexOf(NEWLINE, from); nl !== -1; nl = data.indexOf(NEWLINE, from)) {
        pending.push(data.subarray(from, nl));
        const text = Buffer.concat(pending).toString("utf8");
        const end = pos + nl + 1;
        yield { lineNo: lineNo++, start: pendingStart, end, text, terminated: true };
        pending = [];
        pendingStart = end;
        from = nl + 1;
      }
      if (from < data.length) pending.push(Buffer.from(data.subarray(from)));
      pos += bytesRead;
    }
    if (pending.length > 0) {
      const text = Buffer.concat(pending).toString("utf8");
      yield { lineNo, start: pendingStart, end: pos, text, terminated: false };
    }
  } finally {
    await fh.close();
  }
}

/** Parses a line into a JSON object, or undefined when it is not one. */
export function parseLine(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
