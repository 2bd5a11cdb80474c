/**
 * Runs a glob/search task on the shared pool of walk workers (worker-pool.ts)
 * so a hostile regular expression (catastrophic backtracking) can never block
 * the gateway's event loop: the worker running it is terminated when
 * `timeoutMs` passes, whatever it is doing, and replaced.
 */
import { ErrorCodes, GatewayError } from "../core/errors.js";
import type { ErrorCode } from "../core/errors.js";
import type { ToolLimits } from "./types.js";
import { WorkerPool } from "./worker-pool.js";
import type { RunOptions } from "./worker-pool.js";
import type { WorkerReply, WorkerTask } from "./worker-task.js";

const workerUrl = new URL("./walk-worker.js", import.meta.url);

export interface WorkerRunOptions extends RunOptions {
  limits: Pick<ToolLimits, "searchWorkers" | "searchQueueMax">;
}

let shared: WorkerPool | undefined;

/** The process-wide walk pool, sized by the calling context's limits (a reload resizes it). */
export function walkPool(limits: WorkerRunOptions["limits"]): WorkerPool {
  shared ??= new WorkerPool(workerUrl, {
    name: "file walk",
    size: limits.searchWorkers,
    queueMax: limits.searchQueueMax,
    resourceLimits: { maxOldGenerationSizeMb: 256 },
    queueKey: "tools.limits.searchQueueMax",
  });
  shared.configure(limits.searchWorkers, limits.searchQueueMax);
  return shared;
}

function fromWire(reply: Extract<WorkerReply, { ok: false }>): GatewayError {
  const code = (ErrorCodes as readonly string[]).includes(reply.error.code)
    ? (reply.error.code as ErrorCode)
    : "INTERNAL";
  return new GatewayError(code, reply.error.message, reply.error.details ? { details: reply.error.details } : {});
}

export async function runInWorker<T>(task: WorkerTask, opts: WorkerRunOptions): Promise<T> {
  const reply = await walkPool(opts.limits).run<WorkerReply>(task, opts);
  if (!reply.ok) throw fromWire(reply);
  return reply.value as T;
}
