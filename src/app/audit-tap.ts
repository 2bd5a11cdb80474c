/**
 * The audit log as the request flows see it, with observers: the operator's log (waiting
 * approvals, refusal summaries) and the metrics (write latency, failures, refusals by reason)
 * both learn of events here, after the event is durable. An observer can never turn a recorded
 * event into a failed request, nor a failed write into a success.
 */
import type { AuditInput } from "../core/audit-types.js";
import type { AuditLog } from "../audit/audit-log.js";

export interface AuditObserver {
  /** The event is durable; `seconds` is how long that took. */
  written?(event: AuditInput, seconds: number): void;
  /** The event could not be written (the caller gets the error). */
  failed?(event: AuditInput): void;
}

export function tapAudit(inner: AuditLog, observers: readonly AuditObserver[]): AuditLog {
  const tell = (fn: () => void): void => {
    try {
      fn();
    } catch {
      // Observers report; they never decide.
    }
  };
  return {
    append: async (event) => {
      const started = performance.now();
      try {
        await inner.append(event);
      } catch (e) {
        for (const o of observers) if (o.failed) tell(() => o.failed?.(event));
        throw e;
      }
      const seconds = (performance.now() - started) / 1000;
      for (const o of observers) if (o.written) tell(() => o.written?.(event, seconds));
    },
    close: () => inner.close(),
    purgeExpired: () => inner.purgeExpired(),
    get failed() {
      return inner.failed;
    },
  };
}
