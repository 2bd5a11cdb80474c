/**
 * Runs a glob/search task in a worker thread so a hostile regular expression
 * (catastrophic backtracking) can never block the gateway's event loop: the
 * worker is terminated when `timeoutMs` passes, whatever it is doing.
 */
import { Worker } from "node:worker_threads";
import { ErrorCodes, GatewayError } from "../core/errors.js";
import type { ErrorCode } from "../core/errors.js";
import type { WorkerReply, WorkerTask } from "./worker-task.js";

const workerUrl = new URL("./walk-worker.js", import.meta.url);

export interface WorkerRunOptions {
  timeoutMs: number;
  timeoutMessage: string;
  signal?: AbortSignal;
}

function fromWire(reply: Extract<WorkerReply, { ok: false }>): GatewayError {
  const code = (ErrorCodes as readonly string[]).includes(reply.error.code)
    ? (reply.error.code as ErrorCode)
    : "INTERNAL";
  return new GatewayError(code, reply.error.message, reply.error.details ? { details: reply.error.details } : {});
}

export function runInWorker<T>(task: WorkerTask, opts: WorkerRunOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new GatewayError("UNAVAILABLE", "tool call aborted"));
      return;
    }
    const worker = new Worker(workerUrl, {
      workerData: task,
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new GatewayError("UNAVAILABLE", opts.timeoutMessage))),
      opts.timeoutMs,
    );
    const onAbort = () => finish(() => reject(new GatewayError("UNAVAILABLE", "tool call aborted")));
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    worker.on("message", (reply: WorkerReply) =>
      finish(() => (reply.ok ? resolve(reply.value as T) : reject(fromWire(reply)))),
    );
    worker.on("error", (e) =>
      finish(() => reject(new GatewayError("UNAVAILABLE", "file walk worker failed", { cause: e }))),
    );
    worker.on("exit", () =>
      finish(() => reject(new GatewayError("INTERNAL", "file walk worker exited without an answer"))),
    );
  });
}
