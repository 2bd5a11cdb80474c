import type { AuditRecord } from "../core/audit-types.js";
import { parseLine, readLines } from "./line-reader.js";

export { verifyAudit, VerifyReasons } from "./verify-chain.js";
export type { VerifyResult } from "./verify-chain.js";
export { parseSince } from "./since.js";
export { readLines, parseLine } from "./line-reader.js";
export type { RawLine } from "./line-reader.js";

/** A stored line: the record plus whatever chain fields it carries. */
export type StoredAuditRecord = AuditRecord & { prevHash?: string; hash?: string };

export interface AuditFilter {
  /** Exact type, or a prefix ending in `.*` (`auth.*`). */
  type?: string;
  /** Matches `actor.id` exactly. */
  actor?: string;
  outcome?: string;
  /** Only lines with `ts` at or after this time. */
  since?: Date;
  /** Keep only the most recent N matches. */
  limit?: number;
}

export interface QueriedLine {
  record: StoredAuditRecord;
  /** The line exactly as stored (without newline). */
  text: string;
}

function isRecord(line: Record<string, unknown>): boolean {
  const actor = line.actor as Record<string, unknown> | null | undefined;
  return (
    typeof line.ts === "string" &&
    typeof line.type === "string" &&
    actor !== null &&
    typeof actor === "object" &&
    typeof actor.id === "string"
  );
}

/** Streams whole, parseable audit lines (skips a torn last line and lines that are not records). */
export async function* readAuditRecords(path: string): AsyncGenerator<QueriedLine> {
  for await (const raw of readLines(path)) {
    if (!raw.terminated) break;
    const line = parseLine(raw.text);
    if (line && isRecord(line)) yield { record: line as unknown as StoredAuditRecord, text: raw.text };
  }
}

export function matchesFilter(r: StoredAuditRecord, f: AuditFilter): boolean {
  if (f.type !== undefined) {
    const ok = f.type.endsWith(".*") ? r.type.startsWith(f.type.slice(0, -1)) : r.type === f.type;
    if (!ok) return false;
  }
  if (f.actor !== undefined && r.actor.id !== f.actor) return false;
  if (f.outcome !== undefined && r.outcome !== f.outcome) return false;
  if (f.since !== undefined) {
    const ts = Date.parse(r.ts);
    if (!Number.isFinite(ts) || ts < f.since.getTime()) return false;
  }
  return true;
}

/** Matching lines oldest → newest; with `limit`, the most recent N. */
export async function queryAuditLines(path: string, filter: AuditFilter = {}): Promise<QueriedLine[]> {
  const limit = filter.limit;
  const out: QueriedLine[] = [];
  if (limit !== undefined && limit <= 0) return out;
  for await (const q of readAuditRecords(path)) {
    if (!matchesFilter(q.record, filter)) continue;
    out.push(q);
    // Bounded memory: trim in chunks rather than shifting on every line.
    if (limit !== undefined && out.length >= limit * 2 + 1024) out.splice(0, out.length - limit);
  }
  return limit !== undefined && out.length > limit ? out.slice(out.length - limit) : out;
}

export async function queryAudit(path: string, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  return (await queryAuditLines(path, filter)).map((q) => q.record);
}

export interface AuditStats {
  lines: number;
  byType: Record<string, number>;
  byOutcome: Record<string, number>;
  firstTs?: string;
  lastTs?: string;
}

export async function auditStats(path: string): Promise<AuditStats> {
  const byType = Object.create(null) as Record<string, number>;
  const byOutcome = Object.create(null) as Record<string, number>;
  const stats: AuditStats = { lines: 0, byType, byOutcome };
  for await (const { record } of readAuditRecords(path)) {
    stats.lines++;
    byType[record.type] = (byType[record.type] ?? 0) + 1;
    const outcome = String(record.outcome);
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
    stats.firstTs ??= record.ts;
    stats.lastTs = record.ts;
  }
  return stats;
}
