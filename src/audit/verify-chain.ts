import { GENESIS_HASH, isHash, isRetentionAnchor, recomputeHash } from "./hash-chain.js";
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
}

/** Reasons, a closed list. */
export const VerifyReasons = {
  notJson: "line is not a JSON object",
  noChain: "line has no valid prevHash/hash fields",
  modified: "hash does not match the line's contents: the line was modified",
  badStart: "first line neither starts at genesis nor is a retention anchor: lines were removed from the head",
  inserted: "line was inserted: the line after it chains to the line before it",
  broken: "prevHash does not match the previous line: a line was deleted, reordered or rewritten before this one",
} as const;

/**
 * Walks the chain once, streaming. A line-1 `audit.retention` anchor (whose
 * prevHash equals its metadata.anchorHash) starts the chain at that prevHash
 * and does not advance it; every other line must carry the previous line's hash.
 */
export async function verifyAudit(path: string): Promise<VerifyResult> {
  let expected = GENESIS_HASH;
  let beforePrev: string | undefined;
  let lines = 0;
  const bad = (line: number, reason: string): VerifyResult => ({ ok: false, lines, firstBadLine: line, reason });
  for await (const raw of readLines(path)) {
    if (!raw.terminated) return { ok: true, lines, lastHash: expected, tornTail: true };
    lines++;
    const n = raw.lineNo;
    const line = parseLine(raw.text);
    if (!line) return bad(n, VerifyReasons.notJson);
    if (!isHash(line.hash) || !isHash(line.prevHash)) return bad(n, VerifyReasons.noChain);
    if (recomputeHash(line) !== line.hash) return bad(n, VerifyReasons.modified);
    if (n === 1 && isRetentionAnchor(line)) {
      expected = line.prevHash;
      beforePrev = undefined;
      continue;
    }
    if (line.prevHash !== expected) {
      if (n === 1) return bad(n, VerifyReasons.badStart);
      if (beforePrev !== undefined && line.prevHash === beforePrev) return bad(n - 1, VerifyReasons.inserted);
      return bad(n, VerifyReasons.broken);
    }
    beforePrev = expected;
    expected = line.hash;
  }
  return { ok: true, lines, lastHash: expected };
}
