/**
 * A small pool of warm worker threads, one task per worker at a time.
 *
 * Why workers at all: a task may run code the gateway cannot bound by itself
 * (a caller's regular expression with catastrophic backtracking, a huge walk).
 * Such a task must never block the event loop, and the only sure way to stop
 * it is to terminate its thread. Why a pool: starting a thread per call costs
 * ~90 ms and its own heap; a warm worker answers in well under a millisecond.
 *
 * Guarantees (docs/sandbox.md, "Walk workers"):
 * - at most `size` workers exist, each running at most one task;
 * - workers start lazily, on the first task that needs one;
 * - every call has a wall-clock budget counted from the call (queue wait
 *   included); at the budget a running task's worker is terminated and
 *   replaced, a queued task is dropped; both fail with the caller's message;
 * - a worker that crashes or exits fails its task and is replaced;
 * - at most `queueMax` calls wait; one more is refused (`RATE_LIMITED`);
 * - an idle worker is unref'd: it never holds the process open.
 */
import { parentPort, Worker } from "node:worker_threads";
import type { ResourceLimits } from "node:worker_threads";
import { GatewayError } from "../core/errors.js";

export interface PoolOptions {
  /** Names the workers in errors ("file walk" → "file walk worker failed"). */
  name: string;
  size: number;
  queueMax: number;
  resourceLimits?: ResourceLimits;
  /** Names the config keys in the queue-full refusal. */
  sizeKey?: string;
  queueKey?: string;
}

export interface RunOptions {
  timeoutMs: number;
  timeoutMessage: string;
  signal?: AbortSignal;
}

export interface PoolStats {
  /** Workers alive now. */
  workers: number;
  busy: number;
  queued: number;
  /** Workers started since the pool was made (replacements included). */
  started: number;
  /** The most tasks ever running at once. */
  maxBusy: number;
}

interface Job {
  id: number;
  task: unknown;
  opts: RunOptions;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  onAbort: () => void;
  slot?: Slot;
}

interface Slot {
  worker: Worker;
  job?: Job;
  dead: boolean;
}

/** The message a pooled worker receives, and the one it answers with. */
export interface PoolRequest {
  id: number;
  task: unknown;
}
export interface PoolReply {
  id: number;
  reply: unknown;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private started = 0;
  private maxBusy = 0;

  constructor(
    private readonly url: URL,
    private opts: PoolOptions,
  ) {}

  /** Applies a new size and queue bound; extra workers go as they become idle. */
  configure(size: number, queueMax: number): void {
    if (size === this.opts.size && queueMax === this.opts.queueMax) return;
    this.opts = { ...this.opts, size, queueMax };
    for (const slot of this.slots.filter((s) => !s.job)) {
      if (this.slots.length <= size) break;
      void this.retire(slot);
    }
    this.pump();
  }

  stats(): PoolStats {
    const busy = this.slots.filter((s) => s.job).length;
    return { workers: this.slots.length, busy, queued: this.queue.length, started: this.started, maxBusy: this.maxBusy };
  }

  /** Runs `task` on a worker; resolves with the worker's reply (structured clone). */
  run<T>(task: unknown, opts: RunOptions): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(new GatewayError("UNAVAILABLE", "tool call aborted"));
        return;
      }
      const idle = this.slots.some((s) => !s.job) || this.slots.length < this.opts.size;
      if (!idle && this.queue.length >= this.opts.queueMax) {
        const keys = this.opts.queueKey ? ` (${this.opts.queueKey}: ${this.opts.queueMax})` : "";
        reject(new GatewayError("RATE_LIMITED", `too many ${this.opts.name} calls waiting${keys}; retry later`));
        return;
      }
      const job: Job = {
        id: this.nextId++,
        task,
        opts,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: setTimeout(() => this.fail(job, new GatewayError("UNAVAILABLE", opts.timeoutMessage)), opts.timeoutMs),
        onAbort: () => this.fail(job, new GatewayError("UNAVAILABLE", "tool call aborted")),
      };
      opts.signal?.addEventListener("abort", job.onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Terminates every worker and fails every waiting call (gateway shutdown, tests). */
  async close(): Promise<void> {
    for (const job of [...this.queue]) this.fail(job, new GatewayError("UNAVAILABLE", `${this.opts.name} pool closed`));
    const all = [...this.slots];
    for (const slot of all) if (slot.job) this.fail(slot.job, new GatewayError("UNAVAILABLE", `${this.opts.name} pool closed`));
    await Promise.all(all.map((s) => this.retire(s)));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot) {
        if (this.slots.length >= this.opts.size) return;
        slot = this.spawn();
      }
      const job = this.queue.shift() as Job;
      slot.job = job;
      job.slot = slot;
      slot.worker.ref();
      this.maxBusy = Math.max(this.maxBusy, this.slots.filter((s) => s.job).length);
      slot.worker.postMessage({ id: job.id, task: job.task } satisfies PoolRequest);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.url, this.opts.resourceLimits ? { resourceLimits: this.opts.resourceLimits } : {});
    worker.unref();
    const slot: Slot = { worker, dead: false };
    this.started++;
    this.slots.push(slot);
    worker.on("message", (m: PoolReply) => {
      const job = slot.job;
      if (!job || m.id !== job.id) return;
      this.settle(job, () => job.resolve(m.reply));
    });
    worker.on("error", (e) => this.lost(slot, new GatewayError("UNAVAILABLE", `${this.opts.name} worker failed`, { cause: e })));
    worker.on("exit", () => this.lost(slot, new GatewayError("INTERNAL", `${this.opts.name} worker exited without an answer`)));
    return slot;
  }

  /** A worker died on its own: its task fails, the slot goes, a replacement starts if work waits. */
  private lost(slot: Slot, err: GatewayError): void {
    if (slot.dead) return;
    slot.dead = true;
    this.drop(slot);
    const job = slot.job;
    if (job) this.settle(job, () => job.reject(err), false);
    this.pump();
  }

  /** Fails a call: a running one takes its worker down with it (the only way to stop it). */
  private fail(job: Job, err: GatewayError): void {
    const slot = job.slot;
    if (slot) {
      if (slot.job !== job) return; // already settled
      void this.retire(slot);
      this.settle(job, () => job.reject(err), false);
      this.pump();
      return;
    }
    const i = this.queue.indexOf(job);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.settle(job, () => job.reject(err), false);
  }

  private settle(job: Job, fn: () => void, reuse = true): void {
    clearTimeout(job.timer);
    job.opts.signal?.removeEventListener("abort", job.onAbort);
    const slot = job.slot;
    if (slot && slot.job === job) {
      slot.job = undefined;
      if (reuse && !slot.dead) {
        if (this.slots.length > this.opts.size) void this.retire(slot);
        else slot.worker.unref();
      }
    }
    fn();
    if (reuse) this.pump();
  }

  private drop(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  private async retire(slot: Slot): Promise<void> {
    slot.dead = true;
    this.drop(slot);
    await slot.worker.terminate();
  }
}

/** Worker side: answers each PoolRequest with `handle(task)`, one at a time. */
export function serveTasks(handle: (task: unknown) => Promise<unknown>): void {
  if (!parentPort) throw new Error("serveTasks must run in a worker thread");
  const port = parentPort;
  port.on("message", (m: PoolRequest) => {
    void handle(m.task).then((reply) => port.postMessage({ id: m.id, reply } satisfies PoolReply));
  });
}
