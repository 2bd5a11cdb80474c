/** Human output: one line per finding, then a summary. Findings never carry secrets, so this prints them as they are. */
import type { Finding, FindingStatus } from "./types.js";

export const STATUS_MARK: Readonly<Record<FindingStatus, string>> = { pass: "✔", warn: "!", fail: "✖", fixed: "✚" };

export function formatFinding(f: Finding): string {
  const fix = f.fix !== undefined && f.status !== "pass" && f.status !== "fixed" ? ` (fix: ${f.fix})` : "";
  return `${STATUS_MARK[f.status]} [${f.check}] ${f.subject} — ${f.message}${fix}`;
}

export function summarize(findings: readonly Finding[]): string {
  const n = (s: FindingStatus): number => findings.filter((f) => f.status === s).length;
  const verdict = n("fail") > 0 ? "problems found" : n("warn") > 0 ? "ok, with warnings" : "ok";
  return `doctor: ${n("pass")} passed, ${n("warn")} warning(s), ${n("fail")} failed, ${n("fixed")} fixed — ${verdict}`;
}

export function formatReport(findings: readonly Finding[]): string {
  return `${[...findings.map(formatFinding), summarize(findings)].join("\n")}\n`;
}
