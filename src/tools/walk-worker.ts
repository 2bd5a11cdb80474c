/** Worker entry: runs one glob or search task and posts a WorkerReply. */
import { parentPort, workerData } from "node:worker_threads";
import { isGatewayError } from "../core/errors.js";
import { globInScope } from "./glob-run.js";
import { searchInScope } from "./search-run.js";
import type { WorkerReply, WorkerTask } from "./worker-task.js";

async function run(task: WorkerTask): Promise<unknown> {
  return task.kind === "glob" ? globInScope(task) : searchInScope(task);
}

function toReply(e: unknown): WorkerReply {
  if (isGatewayError(e)) {
    const error = { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
    return { ok: false, error };
  }
  return { ok: false, error: { code: "INTERNAL", message: "file walk failed" } };
}

run(workerData as WorkerTask).then(
  (value) => parentPort?.postMessage({ ok: true, value } satisfies WorkerReply),
  (e: unknown) => parentPort?.postMessage(toReply(e)),
);
