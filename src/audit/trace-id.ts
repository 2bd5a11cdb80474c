import { randomFillSync } from "node:crypto";

const TRACE_ID_RE = /^[0-9a-f]{32}$/;
const ZERO_TRACE = "0".repeat(32);
const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** A usable trace id: 32 lowercase hex, not all zero. */
export function isTraceId(v: unknown): v is string {
  return typeof v === "string" && TRACE_ID_RE.test(v) && v !== ZERO_TRACE;
}

/** Random bytes are drawn in blocks: one syscall per 256 trace ids. */
const pool = Buffer.alloc(16 * 256);
let poolOffset = pool.length;

export function randomTraceId(): string {
  for (;;) {
    if (poolOffset >= pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const id = pool.toString("hex", poolOffset, poolOffset + 16);
    poolOffset += 16;
    if (id !== ZERO_TRACE) return id;
  }
}

/**
 * The trace id of a W3C `traceparent` header (`00-<32hex>-<16hex>-<2hex>`),
 * or undefined when the header is absent or invalid: version `ff`, all-zero
 * trace or parent id, upper-case hex, or extra fields on version 00.
 */
export function traceIdFromTraceparent(header: string | undefined): string | undefined {
  if (typeof header !== "string") return undefined;
  const m = TRACEPARENT_RE.exec(header.trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, , rest] = m;
  if (version === "ff") return undefined;
  if (version === "00" && rest !== undefined) return undefined;
  if (!isTraceId(traceId)) return undefined;
  if (parentId === "0".repeat(16)) return undefined;
  return traceId;
}
