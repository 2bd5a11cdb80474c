import { randomUUID } from "node:crypto";
import { GatewayError } from "../core/errors.js";
import type { AuditActor, AuditInput, AuditOutcome, AuditRecord } from "../core/audit-types.js";
import { lineHash } from "./hash-chain.js";
import { redactMetadata } from "./redact.js";
import { isTraceId, randomTraceId } from "./trace-id.js";

const ACTOR_TYPES: ReadonlySet<string> = new Set(["user", "device", "anonymous", "system"]);
const OUTCOMES: ReadonlySet<string> = new Set(["success", "failure", "denied", "pending"]);
const TYPE_RE = /^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$/i;
const MAX_TYPE = 64;
const MAX_ACTOR_FIELD = 512;

/** A written line: the record plus its hash-chain fields. */
export interface AuditLine extends AuditRecord {
  prevHash: string;
  hash: string;
}

function invalid(field: string): GatewayError {
  // Never echo the event's contents: only which field is wrong.
  return new GatewayError("INTERNAL", `invalid audit event: ${field}`);
}

function clip(s: string): string {
  return s.length > MAX_ACTOR_FIELD ? s.slice(0, MAX_ACTOR_FIELD) : s;
}

function toActor(actor: AuditActor | undefined): AuditActor {
  if (actor === null || typeof actor !== "object") throw invalid("actor");
  if (!ACTOR_TYPES.has(actor.type)) throw invalid("actor.type");
  if (typeof actor.id !== "string") throw invalid("actor.id");
  const out: AuditActor = { type: actor.type, id: clip(actor.id) };
  if (actor.remoteIp !== undefined) {
    if (typeof actor.remoteIp !== "string") throw invalid("actor.remoteIp");
    out.remoteIp = clip(actor.remoteIp);
  }
  return out;
}

/**
 * Validates an input and stamps it: `ts` (ISO ms UTC from `nowMs`), `eventId`
 * (UUID v4), `traceId` (the input's when valid, else random), redacted metadata.
 * Field order is the guide's.
 */
export function buildRecord(input: AuditInput, nowMs: number): AuditRecord {
  if (input === null || typeof input !== "object") throw invalid("event");
  if (typeof input.type !== "string" || input.type.length > MAX_TYPE || !TYPE_RE.test(input.type)) {
    throw invalid("type");
  }
  if (!OUTCOMES.has(input.outcome)) throw invalid("outcome");
  return {
    ts: new Date(nowMs).toISOString(),
    eventId: randomUUID(),
    type: input.type,
    actor: toActor(input.actor),
    outcome: input.outcome as AuditOutcome,
    traceId: isTraceId(input.traceId) ? input.traceId : randomTraceId(),
    metadata: redactMetadata(input.metadata),
  };
}

/** Links a record into the chain; returns the line text (with trailing newline) and its hash. */
export function chainRecord(record: AuditRecord, prevHash: string): { text: string; hash: string } {
  const withPrev = { ...record, prevHash };
  const hash = lineHash(prevHash, withPrev as unknown as Record<string, unknown>);
  const line: AuditLine = { ...withPrev, hash };
  return { text: `${JSON.stringify(line)}\n`, hash };
}
