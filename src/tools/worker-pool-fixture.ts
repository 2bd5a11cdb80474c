/**
 * Worker entry for the pool's tests (worker-pool.test.ts): each task names
 * what the worker does, so reuse, runaway work and crashes can be tried.
 */
import { threadId } from "node:worker_threads";
import { serveTasks } from "./worker-pool.js";

export type FixtureTask =
  | { op: "echo"; value: string }
  | { op: "redos"; input: string }
  | { op: "throw" }
  | { op: "exit" }
  /** state: Int32Array over a SharedArrayBuffer: [gate, running, maxRunning]; holds until gate ≠ 0. */
  | { op: "hold"; state: Int32Array };

serveTasks(async (raw) => {
  const task = raw as FixtureTask;
  switch (task.op) {
    case "echo":
      return { threadId, value: task.value };
    case "redos":
      return { threadId, matched: /^(a+)+$/.test(task.input) };
    case "throw":
      // An uncaught exception outside the task's promise: the worker dies with an error.
      setImmediate(() => {
        throw new Error("fixture crash");
      });
      return new Promise(() => undefined);
    case "exit":
      process.exit(3);
    // falls through (never reached)
    case "hold": {
      const s = task.state;
      const running = Atomics.add(s, 1, 1) + 1;
      for (let max = Atomics.load(s, 2); running > max; max = Atomics.load(s, 2)) {
        if (Atomics.compareExchange(s, 2, max, running) === max) break;
      }
      Atomics.notify(s, 1);
      while (Atomics.load(s, 0) === 0) Atomics.wait(s, 0, 0);
      Atomics.sub(s, 1, 1);
      return { threadId };
    }
  }
});
