/** Worker entry: a pooled worker answering glob and search tasks with a WorkerReply each. */
import { isGatewayError } from "../core/errors.js";
import { globInScope } from "./glob-run.js";
import { searchInScope } from "./search-run.js";
import { serveTasks } from "./worker-pool.js";
import type { WorkerReply, WorkerTask } from "./worker-task.js";

function toReply(e: unknown): WorkerReply {
  if (isGatewayError(e)) {
    const error = { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
    return { ok: false, error };
  }
  return { ok: false, error: { code: "INTERNAL", message: "file walk failed" } };
}

/** Each task is self-contained plain data: nothing of one call is kept for the next. */
async function run(task: WorkerTask): Promise<WorkerReply> {
  try {
    const value = task.kind === "glob" ? await globInScope(task) : await searchInScope(task);
    return { ok: true, value };
  } catch (e) {
    return toReply(e);
  }
}

serveTasks((task) => run(task as WorkerTask));
