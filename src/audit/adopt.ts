/**
 * Adopting a log written without a hash chain (the guide's plain format, from
 * an earlier Clawdbot): the lines stay as they are and are sealed by a running
 * digest that the `audit.adopt` anchor carries as its prevHash, so the chain
 * starts there and any later edit of an adopted line breaks verification.
 */
import { GatewayError } from "../core/errors.js";
import { GENESIS_HASH, isHash, isRetentionAnchor, isUnchained, unchainedStep } from "./hash-chain.js";
import { parseLine, readLines } from "./line-reader.js";

export interface Adoption {
  lines: number;
  /** The running digest after the last adopted line: the adopt anchor's prevHash. */
  digest: string;
  firstTs?: string;
  lastTs?: string;
}

/** The guide's format: at least `ts`, `type` and `actor.id` (anything else is not an audit log). */
function looksLikeAuditRecord(line: Record<string, unknown>): boolean {
  const actor = line.actor as Record<string, unknown> | null | undefined;
  return typeof line.ts === "string" && typeof line.type === "string" && actor !== null && typeof actor === "object" && typeof actor.id === "string";
}

const refuse = (why: string): GatewayError => new GatewayError("UNAVAILABLE", `audit log cannot be adopted: ${why}; refusing to append`);

/**
 * Scans a file whose last whole line has no chain: every line up to `goodSize`
 * must be a JSON object without chain fields (after an optional line-1
 * retention anchor). Anything else is not a file this gateway may append to.
 */
export async function scanUnchained(path: string, goodSize: number): Promise<Adoption> {
  let digest = GENESIS_HASH;
  let lines = 0;
  let firstTs: string | undefined;
  let lastTs: string | undefined;
  for await (const raw of readLines(path)) {
    if (raw.end > goodSize) break;
    const line = parseLine(raw.text);
    if (!line) throw refuse(`line ${raw.lineNo} is not a JSON object`);
    if (raw.start === 0 && isRetentionAnchor(line)) {
      digest = line.prevHash as string;
      continue;
    }
    if (!isUnchained(line)) {
      throw refuse(isHash(line.hash) ? `line ${raw.lineNo} is chained but a later line is not` : `line ${raw.lineNo} has a partial hash chain`);
    }
    if (!looksLikeAuditRecord(line)) throw refuse(`line ${raw.lineNo} is not an audit record (ts, type, actor.id)`);
    digest = unchainedStep(digest, raw.text);
    lines++;
    firstTs ??= line.ts as string;
    lastTs = line.ts as string;
  }
  return { lines, digest, ...(firstTs ? { firstTs } : {}), ...(lastTs ? { lastTs } : {}) };
}
