/**
 * The open log must still be the file at its path. Before each batch (and each
 * retention run, and at close) the writer compares fstat of its handle with
 * lstat of the path. If the file was deleted or replaced (by another file or a
 * symlink), the gateway restores it: a replacement is moved aside to
 * `<name>.replaced-<time>`, the content is copied from the still-open handle
 * into a new file followed by an `audit.break` event recording what happened,
 * and that file is renamed into place. Nothing acknowledged is lost and verify
 * reports the incident. See docs/audit.md, "Deleted or replaced while running".
 */
import { randomUUID } from "node:crypto";
import { lstat, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { buildRecord, chainRecord } from "./audit-record.js";
import { fsyncDir, openLogFile, purgeTempPrefix } from "./durable-file.js";
import type { OpenedFile } from "./durable-file.js";
import type { WriterState } from "./group-commit.js";
import { BREAK_EVENT_TYPE } from "./hash-chain.js";
import { copyRange } from "./retention.js";

export type IdentityLoss = "deleted" | "replaced";

/** undefined when the path still names the open file. */
export async function checkIdentity(path: string, current: OpenedFile): Promise<IdentityLoss | undefined> {
  if (!current.regular) return undefined;
  const [own, atPath] = await Promise.all([
    current.fh.stat(),
    lstat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    }),
  ]);
  if (!atPath) return "deleted";
  if (atPath.dev !== own.dev || atPath.ino !== own.ino) return "replaced";
  return own.nlink === 0 ? "deleted" : undefined;
}

export interface Restored {
  opened: OpenedFile;
  state: WriterState;
  /** Where a replacement was moved to (basename), if there was one. */
  movedAside?: string;
}

/** Recreates the log from the open handle plus an `audit.break` line; the caller swaps in the result. */
export async function restoreLog(path: string, current: OpenedFile, state: WriterState, loss: IdentityLoss, nowMs: number): Promise<Restored> {
  const dir = dirname(path);
  let movedAside: string | undefined;
  if (loss === "replaced") {
    movedAside = `${basename(path)}.replaced-${new Date(nowMs).toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
    await rename(path, join(dir, movedAside)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
      movedAside = undefined;
    });
  }
  const record = buildRecord(
    {
      type: BREAK_EVENT_TYPE,
      actor: { type: "system", id: "gateway" },
      outcome: "failure",
      metadata: {
        reason: loss === "deleted" ? "audit log deleted while the gateway was running" : "audit log replaced while the gateway was running",
        restoredBytes: state.goodSize,
        ...(movedAside ? { movedAside } : {}),
      },
    },
    nowMs,
  );
  const line = chainRecord(record, state.head);
  const buf = Buffer.from(line.text, "utf8");
  const tmp = join(dir, `${purgeTempPrefix(path)}restore-${randomUUID()}.tmp`);
  const out = await open(tmp, "wx", 0o600);
  try {
    await copyRange(current.fh, out, 0, state.goodSize, 0);
    await out.write(buf, 0, buf.length, state.goodSize);
    await out.sync();
    await out.close();
    await rename(tmp, path);
  } catch (e) {
    await out.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fsyncDir(dir);
  const opened = await openLogFile(path);
  await current.fh.close().catch(() => {});
  return {
    opened,
    state: { file: opened.file, goodSize: state.goodSize + buf.length, head: line.hash },
    ...(movedAside ? { movedAside } : {}),
  };
}
