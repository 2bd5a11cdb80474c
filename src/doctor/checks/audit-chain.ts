/**
 * What the audit log itself says: does its hash chain verify, were lines
 * adopted without a chain, was it deleted or replaced while the gateway ran,
 * and does the clock agree with its newest line (retention trusts the log
 * over a clock that disagrees; see docs/audit.md).
 */
import fs from "node:fs/promises";
import { readLines, parseLine, verifyAudit } from "../../audit/audit-reader.js";
import type { Finding } from "../types.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const CLOCK_TOLERANCE_MS = 60 * 60 * 1000;

/** `ts` of the last whole line that has one. */
async function newestTs(file: string): Promise<number | undefined> {
  let newest: number | undefined;
  for await (const raw of readLines(file)) {
    if (!raw.terminated) break;
    const line = parseLine(raw.text);
    const ts = typeof line?.ts === "string" ? Date.parse(line.ts) : NaN;
    if (Number.isFinite(ts)) newest = ts;
  }
  return newest;
}

export async function auditChainFindings(file: string, retentionDays: number, now: number): Promise<Finding[]> {
  const st = await fs.lstat(file).catch(() => undefined);
  if (!st?.isFile()) return [];
  const out: Finding[] = [];
  const v = await verifyAudit(file);
  if (!v.ok)
    out.push({
      check: "audit",
      id: "audit.chain",
      status: "fail",
      subject: file,
      message: `the hash chain does not verify: line ${v.firstBadLine}: ${v.reason}`,
      fix: `inspect it with clawdbot audit verify --file ${file}; lines were edited, removed or written by a second writer (two gateways on one state dir?). Keep a copy as evidence; the gateway appends to it only while its last line is whole`,
    });
  else {
    const adopted = v.unchained ? `; lines ${v.unchained.from}-${v.unchained.to} were adopted without a chain` : "";
    out.push({ check: "audit", id: "audit.chain", status: "pass", subject: file, message: `the hash chain verifies (${v.lines} lines${adopted})` });
  }
  for (const i of v.incidents ?? [])
    out.push({
      check: "audit",
      id: "audit.break",
      status: "warn",
      subject: file,
      message: `line ${i.line} (${i.ts}): ${i.reason}; the gateway restored it from its open file`,
      fix: "find out who deleted or replaced the log (a moved-aside replacement sits next to it as audit.jsonl.replaced-*); do not rotate it externally",
    });
  if (retentionDays > 0) {
    const newest = await newestTs(file);
    if (newest !== undefined && newest > now + CLOCK_TOLERANCE_MS)
      out.push({
        check: "audit",
        id: "audit.clock",
        status: "fail",
        subject: file,
        message: `the clock (${new Date(now).toISOString()}) is behind the audit log's newest line (${new Date(newest).toISOString()}): the gateway skips retention until they agree`,
        fix: "fix the system clock (timedatectl, NTP)",
      });
    else if (newest !== undefined && now - newest > retentionDays * DAY_MS)
      out.push({
        check: "audit",
        id: "audit.clock",
        status: "warn",
        subject: file,
        message: `the newest audit line (${new Date(newest).toISOString()}) is more than ${retentionDays} days old by this clock (${new Date(now).toISOString()}): either the gateway was idle that long or the clock is ahead; retention counts from the log's time until new lines arrive`,
        fix: "check the system clock; if it is right, nothing is wrong",
      });
  }
  return out;
}
