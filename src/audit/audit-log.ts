import { dirname } from "node:path";
import { GatewayError } from "../core/errors.js";
import { systemClock } from "../core/clock.js";
import type { Clock } from "../core/clock.js";
import type { AuditInput, AuditSink } from "../core/audit-types.js";
import { buildRecord } from "./audit-record.js";
import { ensureDir, fsyncDir, openLogFile, removeStaleTemps } from "./durable-file.js";
import type { OpenedFile } from "./durable-file.js";
import { GroupCommitWriter, unavailable, type WriterState } from "./group-commit.js";
import { performance } from "node:perf_hooks";
import { scanUnchained, type Adoption } from "./adopt.js";
import { ADOPT_ANCHOR_TYPE, GENESIS_HASH } from "./hash-chain.js";
import { checkIdentity, restoreLog } from "./identity.js";
import { purgeExpiredLines } from "./retention.js";
import { RetentionClock } from "./retention-clock.js";
import { repairTail, type TailState } from "./tail-repair.js";

export { traceIdFromTraceparent } from "./trace-id.js";

export interface AuditLogOptions {
  /** The log file, normally `<state>/audit.jsonl`. */
  path: string;
  /** `false`: append resolves without writing anything (default true). */
  enabled?: boolean;
  /** Lines older than this are removed at open and daily; 0 keeps everything (default 30). */
  retentionDays?: number;
  clock?: Clock;
  /** Extra wait to coalesce a batch after the previous flush (default 0). */
  maxBatchDelayMs?: number;
  /** Most events per group commit (default 4096). */
  maxBatchSize?: number;
  /** Loud problems (file deleted or replaced, clock disagreeing with the log); the gateway logs them as warnings. */
  onWarning?: (message: string) => void;
  /** Monotonic ms (default performance.now() with the system clock, else the clock itself). */
  monotonic?: () => number;
}

export interface AuditLog extends AuditSink {
  /** Resolves once the event is durable; rejects UNAVAILABLE when it cannot be written. */
  append(event: AuditInput): Promise<void>;
  /** Flushes everything queued, fdatasyncs and closes the file. */
  close(): Promise<void>;
  /** Removes the expired prefix now (also runs at open and daily). */
  purgeExpired(): Promise<{ removed: number }>;
  /** True while the last write attempt failed. */
  readonly failed: boolean;
}

export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_MAX_BATCH_SIZE = 4096;
const PURGE_INTERVAL_MS = 24 * 60 * 60 * 1000;
const MAX_BATCH_DELAY_MS = 1000;

function checkOptions(opts: AuditLogOptions): { retentionDays: number; maxBatchSize: number; maxBatchDelayMs: number } {
  const retentionDays = opts.retentionDays ?? DEFAULT_RETENTION_DAYS;
  const maxBatchSize = opts.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  const maxBatchDelayMs = opts.maxBatchDelayMs ?? 0;
  if (typeof opts.path !== "string" || opts.path === "") throw new GatewayError("INVALID_REQUEST", "audit: path is required");
  if (!Number.isFinite(retentionDays) || retentionDays < 0) {
    throw new GatewayError("INVALID_REQUEST", "audit: retentionDays must be a number >= 0");
  }
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw new GatewayError("INVALID_REQUEST", "audit: maxBatchSize must be an integer >= 1");
  }
  if (!Number.isFinite(maxBatchDelayMs) || maxBatchDelayMs < 0 || maxBatchDelayMs > MAX_BATCH_DELAY_MS) {
    throw new GatewayError("INVALID_REQUEST", `audit: maxBatchDelayMs must be between 0 and ${MAX_BATCH_DELAY_MS}`);
  }
  return { retentionDays, maxBatchSize, maxBatchDelayMs };
}

/** Why opening failed, for the operator: the errno code and the system's words (paths only, never content). */
function openFailure(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "ELOOP") return "ELOOP (the path is a symbolic link, which is never followed)";
  return err?.code ? `${err.code} (${err.message.replace(/^[A-Z]+: /, "")})` : String((e as Error)?.message ?? e);
}

function disabledLog(): AuditLog {
  return {
    append: () => Promise.resolve(),
    close: () => Promise.resolve(),
    purgeExpired: () => Promise.resolve({ removed: 0 }),
    get failed() {
      return false;
    },
  };
}

/**
 * Opens the durable, hash-chained audit log: creates the directory (0700) and
 * file (0600), repairs a torn tail (then records `audit.repair`), applies
 * retention, and returns the single writer.
 */
export async function openAuditLog(opts: AuditLogOptions): Promise<AuditLog> {
  const { retentionDays, maxBatchSize, maxBatchDelayMs } = checkOptions(opts);
  if (opts.enabled === false) return disabledLog();
  const clock = opts.clock ?? systemClock;
  const path = opts.path;

  const warn = opts.onWarning ?? ((): void => {});
  let current: OpenedFile;
  let tail: TailState = { goodSize: 0, head: GENESIS_HASH, truncatedBytes: 0 };
  let adoption: Adoption | undefined;
  try {
    await ensureDir(dirname(path));
    await removeStaleTemps(path);
    current = await openLogFile(path);
    await fsyncDir(dirname(path));
  } catch (e) {
    throw new GatewayError("UNAVAILABLE", `audit log cannot be opened: ${path}: ${openFailure(e)}`, { cause: e });
  }
  try {
    if (current.regular) tail = await repairTail(current.fh, current.size);
    if (tail.unchained) {
      adoption = await scanUnchained(path, tail.goodSize);
      tail = { ...tail, head: adoption.digest };
    }
  } catch (e) {
    await current.fh.close();
    throw e instanceof GatewayError ? e : new GatewayError("UNAVAILABLE", `audit log cannot be opened: ${path}: ${openFailure(e)}`, { cause: e });
  }

  const monotonic = opts.monotonic ?? (clock === systemClock ? () => performance.now() : () => clock.now());
  const retentionClock = new RetentionClock(clock, monotonic, tail.lastTsMs, retentionDays);
  let restoring = false;
  /** Before each batch: the path must still name the open file; if not, restore it (see identity.ts). */
  const beforeWrite = async (state: WriterState): Promise<WriterState | undefined> => {
    const loss = await checkIdentity(path, current);
    if (!loss) return undefined;
    // Once per incident, not once per failing batch while a restore keeps failing.
    if (!restoring) warn(`AUDIT LOG ${path} WAS ${loss.toUpperCase()} while the gateway was running; restoring it from the open file`);
    restoring = true;
    const r = await restoreLog(path, current, state, loss, clock.now());
    restoring = false;
    current = r.opened;
    warn(`audit log ${path} restored (${state.goodSize} bytes) and the incident recorded as audit.break${r.movedAside ? `; the replacement was moved to ${r.movedAside}` : ""}`);
    return r.state;
  };
  const writer = new GroupCommitWriter(
    { file: current.file, goodSize: tail.goodSize, head: tail.head },
    { maxBatchSize, maxBatchDelayMs, beforeWrite },
  );
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const append = (event: AuditInput): Promise<void> => {
    if (closed) return Promise.reject(new GatewayError("UNAVAILABLE", "audit log is closed"));
    let record;
    try {
      record = buildRecord(event, clock.now());
    } catch (e) {
      return Promise.reject(e);
    }
    return writer.enqueue(record);
  };

  const purgeExpired = async (): Promise<{ removed: number }> => {
    if (retentionDays === 0 || !current.regular) return { removed: 0 };
    if (closed) throw new GatewayError("UNAVAILABLE", "audit log is closed");
    const when = retentionClock.decide();
    if (when.distrust) {
      const d = when.distrust;
      warn(
        when.nowMs === undefined
          ? `audit retention skipped: the clock (${d.clock}) is behind the audit log (${d.logTime})`
          : `audit retention counts from the log's time (${d.logTime}), not the clock (${d.clock}), which is ahead of it`,
      );
      await append({ type: "audit.clock", actor: { type: "system", id: "gateway" }, outcome: "failure", metadata: { ...d, retentionDays } });
    }
    const nowMs = when.nowMs;
    if (nowMs === undefined) return { removed: 0 };
    return writer.exclusive(async (state) => {
      try {
        const out = await purgeExpiredLines({ path, current, state, nowMs, retentionDays });
        if (!out.reopened) return { result: { removed: out.removed } };
        current = out.reopened.opened;
        return { result: { removed: out.removed }, state: out.reopened.state };
      } catch (e) {
        throw unavailable(e);
      }
    });
  };

  const log: AuditLog = {
    append,
    purgeExpired,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      // A deletion just before shutdown is still caught and restored.
      await writer.exclusive(async () => ({ result: undefined })).catch(() => {});
      await writer.idle();
      try {
        await current.fh.datasync();
      } finally {
        await current.fh.close();
      }
    },
    get failed() {
      return writer.failed;
    },
  };

  try {
    if (adoption) {
      warn(`audit log ${path}: adopted ${adoption.lines} line(s) written without a hash chain; the chain starts at an audit.adopt anchor`);
      await append({
        type: ADOPT_ANCHOR_TYPE,
        actor: { type: "system", id: "gateway" },
        outcome: "success",
        metadata: {
          adoptedLines: adoption.lines,
          adoptedDigest: adoption.digest,
          ...(adoption.firstTs ? { firstTs: adoption.firstTs, lastTs: adoption.lastTs } : {}),
        },
      });
    }
    if (tail.truncatedBytes > 0) {
      await append({
        type: "audit.repair",
        actor: { type: "system", id: "gateway" },
        outcome: "success",
        metadata: { truncatedBytes: tail.truncatedBytes },
      });
    }
    await purgeExpired();
  } catch (e) {
    await log.close().catch(() => {});
    throw e;
  }
  if (retentionDays > 0 && current.regular) {
    // A failed daily purge is retried the next day; appends are unaffected.
    timer = setInterval(() => void purgeExpired().catch(() => {}), PURGE_INTERVAL_MS);
    timer.unref();
  }
  return log;
}
