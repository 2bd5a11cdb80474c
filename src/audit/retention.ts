import { randomUUID } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { buildRecord, chainRecord } from "./audit-record.js";
import { fsyncDir, openLogFile, purgeTempPrefix } from "./durable-file.js";
import type { OpenedFile } from "./durable-file.js";
import type { CommitFile, WriterState } from "./group-commit.js";
import { GENESIS_HASH, RETENTION_ANCHOR_TYPE, isHash, isRetentionAnchor, isUnchained, unchainedStep } from "./hash-chain.js";
import { parseLine, readLines } from "./line-reader.js";

export interface PurgeInput {
  path: string;
  current: OpenedFile;
  state: WriterState;
  nowMs: number;
  retentionDays: number;
}

export interface PurgeOutput {
  removed: number;
  /** Set when the file was rewritten: the new handle and writer state. */
  reopened?: { opened: OpenedFile; state: WriterState };
}

interface ExpiredPrefix {
  removed: number;
  onlyAnchor: boolean;
  firstKept?: { start: number; prevHash: string };
}

const DAY_MS = 24 * 60 * 60 * 1000;

const refuse = (): Promise<never> => Promise.reject(new Error("audit log could not be reopened after retention"));
const FAIL_CLOSED_FILE: CommitFile = { write: refuse, datasync: refuse, truncate: refuse };

/**
 * Counts the leading lines older than `cutoffMs`; retention only ever removes a
 * prefix. Tracks the hash the first kept line chains to: its prevHash, or for
 * an adopted unchained line the running digest up to it.
 */
async function scanExpired(path: string, goodSize: number, cutoffMs: number): Promise<ExpiredPrefix> {
  let removed = 0;
  let onlyAnchor = true;
  let chainedTo = GENESIS_HASH;
  for await (const raw of readLines(path)) {
    if (!raw.terminated || raw.end > goodSize) break;
    const line = parseLine(raw.text);
    const ts = typeof line?.ts === "string" ? Date.parse(line.ts) : NaN;
    if (!line || !Number.isFinite(ts) || ts >= cutoffMs) {
      const prevHash = line && isUnchained(line) ? chainedTo : line?.prevHash;
      return { removed, onlyAnchor, firstKept: isHash(prevHash) ? { start: raw.start, prevHash } : undefined };
    }
    const anchor = raw.start === 0 && isRetentionAnchor(line);
    if (!anchor) onlyAnchor = false;
    chainedTo = anchor ? (line.prevHash as string) : isUnchained(line) ? unchainedStep(chainedTo, raw.text) : String(line.hash);
    removed++;
  }
  return { removed, onlyAnchor };
}

export async function copyRange(from: FileHandle, to: FileHandle, start: number, end: number, toPos: number): Promise<void> {
  const buf = Buffer.allocUnsafe(1024 * 1024);
  for (let pos = start; pos < end; ) {
    const { bytesRead } = await from.read(buf, 0, Math.min(buf.length, end - pos), pos);
    if (bytesRead === 0) throw new Error("audit log shrank during retention");
    await to.write(buf, 0, bytesRead, toPos + (pos - start));
    pos += bytesRead;
  }
}

/**
 * Removes the expired prefix by rewriting the file: an `audit.retention` anchor
 * (prevHash = chain head of the removed lines) followed by the kept bytes,
 * written to a 0600 temp file in the same directory, fsync'd, renamed over the
 * log, directory fsync'd, then reopened. Runs inside the single writer.
 */
export async function purgeExpiredLines(input: PurgeInput): Promise<PurgeOutput> {
  const { path, current, state } = input;
  const cutoffMs = input.nowMs - input.retentionDays * DAY_MS;
  const scan = await scanExpired(path, state.goodSize, cutoffMs);
  if (scan.removed === 0 || scan.onlyAnchor) return { removed: 0 };

  const anchorHash = scan.firstKept ? scan.firstKept.prevHash : state.head;
  const record = buildRecord(
    {
      type: RETENTION_ANCHOR_TYPE,
      actor: { type: "system", id: "gateway" },
      outcome: "success",
      metadata: {
        removedLines: scan.removed,
        anchorHash,
        retentionDays: input.retentionDays,
        cutoff: new Date(cutoffMs).toISOString(),
      },
    },
    input.nowMs,
  );
  const anchor = Buffer.from(chainRecord(record, anchorHash).text, "utf8");
  const keptStart = scan.firstKept ? scan.firstKept.start : state.goodSize;

  const tmp = join(dirname(path), `${purgeTempPrefix(path)}${randomUUID()}.tmp`);
  const out = await open(tmp, "wx", 0o600);
  try {
    await out.write(anchor, 0, anchor.length, 0);
    await copyRange(current.fh, out, keptStart, state.goodSize, anchor.length);
    await out.sync();
  } catch (e) {
    await out.close();
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await out.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  const goodSize = anchor.length + (state.goodSize - keptStart);
  // With nothing kept, the anchor is the only line and the chain continues from its prevHash.
  const head = scan.firstKept ? state.head : anchorHash;
  let opened: OpenedFile;
  try {
    await fsyncDir(dirname(path));
    opened = await openLogFile(path);
  } catch {
    // The old handle now points at an unlinked file: never write there. Fail closed.
    return { removed: scan.removed, reopened: { opened: current, state: { file: FAIL_CLOSED_FILE, goodSize, head } } };
  }
  await current.fh.close().catch(() => {});
  return { removed: scan.removed, reopened: { opened, state: { file: opened.file, goodSize, head } } };
}
