/**
 * What the operator's log says while the gateway runs, derived from the audit
 * events it already writes (one place, no extra hooks in the handlers):
 * - a line when an exec approval or a device pairing request starts waiting,
 *   with the command that decides it;
 * - a summary of refusals (outcome `denied`/`failure`) at most once per
 *   interval, never one line per request, so a flood cannot flood the log.
 * The log never carries a command line or a secret: ids, principals, classes.
 */
import type { AuditInput } from "../core/audit-types.js";
import { terminalSafe } from "../core/terminal-text.js";
import type { Logger } from "./logger.js";

export const REFUSAL_SUMMARY_INTERVAL_MS = 60_000;

/** Starts a repeating timer; returns a function that stops it. */
export type RepeatTimer = (fn: () => void, ms: number) => () => void;

const defaultRepeat: RepeatTimer = (fn, ms) => {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
};

export interface OperatorNotices {
  observe(event: AuditInput): void;
  /** Logs the refusals counted since the last summary (also called by the timer). */
  flush(): void;
  stop(): void;
}

const str = (v: unknown): string => terminalSafe(typeof v === "string" ? v : String(v ?? "-"));

export function createOperatorNotices(opts: { log: Logger; intervalMs?: number; repeat?: RepeatTimer }): OperatorNotices {
  const intervalMs = opts.intervalMs ?? REFUSAL_SUMMARY_INTERVAL_MS;
  const byType = new Map<string, number>();
  const addresses = new Set<string>();
  let total = 0;

  const flush = (): void => {
    if (total === 0) return;
    const kinds = [...byType.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const secs = Math.max(1, Math.round(intervalMs / 1000));
    opts.log.warn(
      `refused ${total} request(s) in the last ${secs}s: ${kinds.map(([k, n]) => `${terminalSafe(k)} ${n}`).join(", ")}` +
        ` (from ${addresses.size} address(es)); details: clawdbot audit query --outcome denied --since ${secs}s`,
    );
    byType.clear();
    addresses.clear();
    total = 0;
  };
  const stopTimer = (opts.repeat ?? defaultRepeat)(flush, intervalMs);

  const observe = (e: AuditInput): void => {
    const m = e.metadata ?? {};
    if (e.type === "exec.request" && e.outcome === "pending") {
      const classes = Array.isArray(m.classes) ? m.classes.map(str).join(",") : "";
      opts.log.info(
        `approval ${str(m.approvalId)} waiting: ${str(e.actor.id)} on agent ${str(m.agentId)}${classes ? ` (${classes})` : ""}` +
          `; decide with: clawdbot approvals list, then clawdbot approvals approve|reject ${str(m.approvalId)}`,
      );
      return;
    }
    if (e.type === "pairing.request" && e.outcome === "pending") {
      opts.log.info(
        `pairing request ${str(m.requestId)} waiting: device ${str(m.deviceId).slice(0, 16)} (client ${str(m.clientId)}) from ${str(e.actor.remoteIp)}` +
          `; decide with: clawdbot devices approve ${str(m.requestId)} --as PRINCIPAL, or clawdbot devices reject ${str(m.requestId)}`,
      );
      return;
    }
    if (e.outcome === "denied" || e.outcome === "failure") {
      total++;
      byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
      if (e.actor.remoteIp) addresses.add(e.actor.remoteIp);
    }
  };

  return { observe, flush, stop: () => (stopTimer(), flush()) };
}
