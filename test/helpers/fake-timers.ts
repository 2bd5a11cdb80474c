/** Manually advanced timers for the config watcher's settle logic (src/app/config-watch.ts). */
import type { WatchTimers } from "../../src/app/config-watch.js";

export class FakeTimers implements WatchTimers {
  now = 0;
  /** How many times a timer was armed (each file event re-arms one). */
  armed = 0;
  private next = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): unknown {
    this.armed++;
    const id = ++this.next;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Runs every timer due within `ms`, in order, then sets the time to now + ms. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = end;
  }
}
