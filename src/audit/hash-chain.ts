import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.js";

/** The `prevHash` of the first line of a log that never lost its head. */
export const GENESIS_HASH = "0".repeat(64);

/** The event type of the first line written by retention (see docs/audit.md). */
export const RETENTION_ANCHOR_TYPE = "audit.retention";

const HASH_RE = /^[0-9a-f]{64}$/;

export function isHash(v: unknown): v is string {
  return typeof v === "string" && HASH_RE.test(v);
}

/**
 * sha256 hex over `prevHash` followed by the canonical JSON of the line
 * without its `hash` field (the line does include `prevHash`).
 */
export function lineHash(prevHash: string, lineWithoutHash: Record<string, unknown>): string {
  return createHash("sha256").update(prevHash).update(canonicalJson(lineWithoutHash)).digest("hex");
}

/** Recomputes the hash of a parsed line; undefined when the line has no usable chain fields. */
export function recomputeHash(line: Record<string, unknown>): string | undefined {
  const { hash: _hash, ...rest } = line;
  if (!isHash(rest.prevHash)) return undefined;
  return lineHash(rest.prevHash, rest);
}

/** True for a line-1 retention anchor: its prevHash is the chain head of the removed lines. */
export function isRetentionAnchor(line: Record<string, unknown>): boolean {
  if (line.type !== RETENTION_ANCHOR_TYPE) return false;
  const meta = line.metadata;
  if (meta === null || typeof meta !== "object") return false;
  return isHash(line.prevHash) && (meta as Record<string, unknown>).anchorHash === line.prevHash;
}

/** The first chained line after lines adopted without a chain (see docs/audit.md, "Adopted lines"). */
export const ADOPT_ANCHOR_TYPE = "audit.adopt";

/** A line recording that the file was deleted or replaced while the gateway ran (and restored). */
export const BREAK_EVENT_TYPE = "audit.break";

/** True for a line with neither chain field: written without a hash chain (an earlier Clawdbot). */
export function isUnchained(line: Record<string, unknown>): boolean {
  return line.hash === undefined && line.prevHash === undefined;
}

/**
 * Folds an unchained line into the running digest that seals adopted lines:
 * sha256_hex(previous digest + the line's exact text without its newline).
 */
export function unchainedStep(prev: string, text: string): string {
  return createHash("sha256").update(prev).update(text).digest("hex");
}
