/**
 * The human-readable form of the operational log: one pino JSON line in, one
 * `TIME LEVEL MSG key=value…` line out, synchronously (no pino-pretty, no
 * worker thread). The message keeps its form: callers already pass client
 * text through terminalSafe(). Field values are escaped here, since a
 * structured field may carry anything; secrets were redacted by pino before
 * the JSON line was written.
 */
import { terminalSafe, terminalSafeJson } from "../core/terminal-text.js";

/** Keys pino (or the event name) supplies; not repeated as `key=value`. */
const OWN_KEYS = new Set(["level", "time", "msg", "pid", "hostname", "event"]);

/** A plain word as is; anything else as JSON (quoted, escaped, and still parseable). */
function renderValue(v: unknown): string {
  return typeof v === "string" && /^[\w./:@+,[\]-]+$/.test(v) ? v : terminalSafeJson(v);
}

/** Formats one JSON log line (as pino writes it) for a person; a line that is not JSON passes through escaped. */
export function formatPrettyLine(jsonLine: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return `${terminalSafe(jsonLine.replace(/\n$/, ""))}\n`;
  }
  const msg = typeof rec.msg === "string" ? rec.msg : "";
  let out = `${String(rec.time)} ${String(rec.level)} ${msg}`;
  for (const [k, v] of Object.entries(rec)) {
    if (OWN_KEYS.has(k) || v === undefined) continue;
    // A string the message already states (the URL, the signal) is not said twice.
    if (typeof v === "string" && v !== "" && msg.includes(v)) continue;
    out += ` ${renderValue(k)}=${renderValue(v)}`;
  }
  return `${out}\n`;
}
