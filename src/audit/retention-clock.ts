/**
 * Which "now" retention may trust. The wall clock is believed only while it
 * agrees with the log and with the monotonic clock: at open the log's newest
 * line must be neither in the future nor older than the retention period, and
 * afterwards the wall clock must not run ahead of (open time + monotonic
 * uptime). Otherwise retention counts from the log's own time, or is skipped
 * when the clock is behind the log. See docs/audit.md, "Retention and a wrong clock".
 */
import type { Clock } from "../core/clock.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Disagreement tolerated before the wall clock is distrusted. */
export const CLOCK_TOLERANCE_MS = 60 * 60 * 1000;

export type ClockReason = "clock-ahead-of-log" | "clock-behind-log";

export interface RetentionNow {
  /** The time to purge against; undefined: skip this purge. */
  nowMs: number | undefined;
  /** Set when the wall clock was not trusted. */
  distrust?: { reason: ClockReason; clock: string; logTime: string };
}

export class RetentionClock {
  private readonly base: number;
  private readonly mono0: number;

  constructor(
    private readonly wall: Clock,
    private readonly mono: () => number,
    /** `ts` of the newest line when the log was opened (undefined for an empty or undated log). */
    newestMs: number | undefined,
    retentionDays: number,
  ) {
    const wall0 = wall.now();
    this.mono0 = mono();
    const agrees = newestMs === undefined || (newestMs <= wall0 + CLOCK_TOLERANCE_MS && wall0 - newestMs <= retentionDays * DAY_MS);
    this.base = agrees ? wall0 : (newestMs as number);
  }

  /** The log's time now: the trusted start plus monotonic time since open. */
  logTime(): number {
    return this.base + (this.mono() - this.mono0);
  }

  decide(): RetentionNow {
    const w = this.wall.now();
    const t = this.logTime();
    const describe = (reason: ClockReason) => ({ reason, clock: new Date(w).toISOString(), logTime: new Date(t).toISOString() });
    if (w < t - CLOCK_TOLERANCE_MS) return { nowMs: undefined, distrust: describe("clock-behind-log") };
    if (w > t + CLOCK_TOLERANCE_MS) return { nowMs: t, distrust: describe("clock-ahead-of-log") };
    return { nowMs: w };
  }
}
