import { ADOPT_ANCHOR_TYPE, BREAK_EVENT_TYPE, GENESIS_HASH, isHash, isRetentionAnchor, isUnchained, recomputeHash, unchainedStep } from "./hash-chain.js";
import { parseLine, readLines } from "./line-reader.js";

export interface VerifyResult {
  ok: boolean;
  /** Whole lines checked (a torn, unterminated last line is not counted). */
  lines: number;
  /** 1-based number of the first modified, inserted or deleted line. */
  firstBadLine?: number;
  reason?: string;
  /** The chain head after the last good line: keep it elsewhere to detect tail truncation. */
  lastHash?: string;
  /** The file ends in a fragment with no newline (a crash or a write in progress). */
  tornTail?: boolean;
  /** Lines adopted without a hash chain (1-based, inclusive), sealed by the `audit.adopt` anchor after them. */
  unchained?: { from: number; to: number };
  /** `audit.break` lines: the file was deleted or replaced while the gateway ran, and restored. */
  incidents?: { line: number; ts: string; reason: string }[];
}

/** Reasons, a closed list. */
export const VerifyReasons = {
  notJson: "line is not a JSON object",
  noChain: "line has no valid prevHash/hash fields",
  modified: "hash does not match the line's contents: the line was modified",
  badStart: "first line neither starts at genesis nor is a retention anchor: lines were removed from the head",
  inserted: "line was inserted: the line after it chains to the line before it",
  broken: "prevHash does not match the previous line: a line was deleted, reordered or rewritten before this one",
  notAdopted: "lines without a hash chain (an earlier Clawdbot) that were never adopted: start the gateway once to adopt them",
  unsealed: "lines without a hash chain are not followed by an audit.adopt anchor: lines were added without a chain",
  adoptedModified: "the adopted unchained lines before this anchor do not match the digest it recorded: one was modified, inserted or removed",
} as const;

/**
 * Walks the chain once, streaming. A line-1 `audit.retention` anchor (whose
 * prevHash equals its metadata.anchorHash) starts the chain at that prevHash
 * and does not advance it; every other line must carry the previous line's hash.
 * Unchained lines before the first chained line (adopted from an earlier
 * Clawdbot) fold into a running digest that the following `audit.adopt` anchor
 * must carry as its prevHash; they are reported as `unchained`.
 */
export async function verifyAudit(path: string): Promise<VerifyResult> {
  let expected = GENESIS_HASH;
  let beforePrev: string | undefined;
  let lines = 0;
  /** No chained line yet (a line-1 retention anchor does not count): unchained lines may still be adopted ones. */
  let preChain = true;
  let unchained: { from: number; to: number } | undefined;
  const incidents: { line: number; ts: string; reason: string }[] = [];
  const extra = (): Partial<VerifyResult> => ({ ...(unchained ? { unchained } : {}), ...(incidents.length > 0 ? { incidents } : {}) });
  const bad = (line: number, reason: string): VerifyResult => ({ ok: false, lines, firstBadLine: line, reason, ...extra() });
  for await (const raw of readLines(path)) {
    if (!raw.terminated) {
      if (preChain && unchained) return bad(unchained.from, VerifyReasons.notAdopted);
      return { ok: true, lines, lastHash: expected, tornTail: true, ...extra() };
    }
    lines++;
    const n = raw.lineNo;
    const line = parseLine(raw.text);
    if (!line) return bad(n, VerifyReasons.notJson);
    if (preChain && isUnchained(line)) {
      expected = unchainedStep(expected, raw.text);
      unchained = { from: unchained?.from ?? n, to: n };
      continue;
    }
    if (!isHash(line.hash) || !isHash(line.prevHash)) return bad(n, VerifyReasons.noChain);
    if (recomputeHash(line) !== line.hash) return bad(n, VerifyReasons.modified);
    if (n === 1 && isRetentionAnchor(line)) {
      expected = line.prevHash;
      beforePrev = undefined;
      continue;
    }
    if (preChain && unchained) {
      if (line.type !== ADOPT_ANCHOR_TYPE) return bad(n, VerifyReasons.unsealed);
      if (line.prevHash !== expected) return bad(n, VerifyReasons.adoptedModified);
    }
    preChain = false;
    if (line.prevHash !== expected) {
      if (n === 1) return bad(n, VerifyReasons.badStart);
      if (beforePrev !== undefined && line.prevHash === beforePrev) return bad(n - 1, VerifyReasons.inserted);
      return bad(n, VerifyReasons.broken);
    }
    if (line.type === BREAK_EVENT_TYPE) {
      const meta = (line.metadata ?? {}) as Record<string, unknown>;
      incidents.push({ line: n, ts: String(line.ts), reason: String(meta.reason ?? "unknown") });
    }
    beforePrev = expected;
    expected = line.hash;
  }
  if (preChain && unchained) return bad(unchained.from, VerifyReasons.notAdopted);
  return { ok: true, lines, lastHash: expected, ...extra() };
}
