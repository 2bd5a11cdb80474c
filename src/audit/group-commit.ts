import { setTimeout as delay } from "node:timers/promises";
import { GatewayError } from "../core/errors.js";
import type { AuditRecord } from "../core/audit-types.js";
import { chainRecord } from "./audit-record.js";

/** The few file operations a group commit needs; positional so a failed write can be redone. */
export interface CommitFile {
  /** Writes all of `buf` at `position`. */
  write(buf: Buffer, position: number): Promise<void>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
}

export interface WriterState {
  file: CommitFile;
  /** Offset just past the last durable line. */
  goodSize: number;
  /** The prevHash the next line carries. */
  head: string;
}

export interface GroupCommitOptions {
  maxBatchSize: number;
  maxBatchDelayMs: number;
  /**
   * Runs before each batch and each exclusive task (the file identity check):
   * may return a replacement state; throwing fails the batch closed.
   */
  beforeWrite?: (state: WriterState) => Promise<WriterState | undefined>;
}

interface Pending {
  record: AuditRecord;
  resolve: () => void;
  reject: (e: unknown) => void;
}

type Task = () => Promise<void>;

export function unavailable(cause?: unknown): GatewayError {
  return new GatewayError("UNAVAILABLE", "audit log cannot be written", { retryable: true, cause });
}

/**
 * The single writer. Appends queue up; each batch is chained, written with one
 * positional write and made durable with one fdatasync, then all its promises
 * settle together. Exclusive tasks (retention) run between batches. A failed
 * batch rejects every append in it and leaves the chain head where the last
 * durable line put it; the next batch first truncates any partial bytes.
 */
export class GroupCommitWriter {
  private pending: Pending[] = [];
  private tasks: Task[] = [];
  private running = false;
  private dirty = false;
  private lastFailed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private state: WriterState,
    private readonly opts: GroupCommitOptions,
  ) {}

  get failed(): boolean {
    return this.lastFailed;
  }

  get head(): string {
    return this.state.head;
  }

  enqueue(record: AuditRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      this.kick();
    });
  }

  /** Runs `fn` with no batch in flight; it may replace the state (e.g. after a rewrite). */
  exclusive<T>(fn: (state: WriterState) => Promise<{ result: T; state?: WriterState }>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.tasks.push(async () => {
        try {
          await this.checkState();
          if (this.dirty) await this.undoPartial();
          const out = await fn(this.state);
          if (out.state) this.state = out.state;
          resolve(out.result);
        } catch (e) {
          reject(e);
        }
      });
      this.kick();
    });
  }

  /** Resolves once the queue is empty and nothing is in flight. */
  idle(): Promise<void> {
    if (!this.running && this.pending.length === 0 && this.tasks.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    // setImmediate lets appends issued in the same tick join the first batch.
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const task = this.tasks.shift();
        if (task) {
          await task();
          continue;
        }
        if (this.pending.length === 0) break;
        if (this.opts.maxBatchDelayMs > 0 && this.pending.length < this.opts.maxBatchSize) {
          await delay(this.opts.maxBatchDelayMs);
        }
        await this.commit(this.pending.splice(0, this.opts.maxBatchSize));
      }
    } finally {
      this.running = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async checkState(): Promise<void> {
    const next = await this.opts.beforeWrite?.(this.state);
    if (next) {
      this.state = next;
      this.dirty = false; // the new file holds only durable lines
    }
  }

  private async undoPartial(): Promise<void> {
    await this.state.file.truncate(this.state.goodSize);
    this.dirty = false;
  }

  private async commit(batch: Pending[]): Promise<void> {
    let head = "";
    let buf = Buffer.alloc(0);
    try {
      await this.checkState();
      head = this.state.head;
      const parts: string[] = [];
      for (const p of batch) {
        const chained = chainRecord(p.record, head);
        parts.push(chained.text);
        head = chained.hash;
      }
      buf = Buffer.from(parts.join(""), "utf8");
      if (this.dirty) await this.undoPartial();
      this.dirty = true; // until durable, the bytes past goodSize are not ours to keep
      await this.state.file.write(buf, this.state.goodSize);
      await this.state.file.datasync();
      this.dirty = false;
    } catch (e) {
      this.lastFailed = true;
      const err = unavailable(e);
      for (const p of batch) p.reject(err);
      return;
    }
    this.state.goodSize += buf.length;
    this.state.head = head;
    this.lastFailed = false;
    for (const p of batch) p.resolve();
  }
}
