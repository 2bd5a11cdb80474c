import { createHash, randomUUID } from "node:crypto";
import { GatewayError } from "../core/errors.js";
import type { AuditActor, AuditInput, AuditOutcome, AuditRecord } from "../core/audit-types.js";
import { canonicalJson } from "./canonical-json.js";
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

const q = JSON.stringify;

/**
 * The canonical JSON of a record plus prevHash, written out directly (keys in
 * sorted order) because it is on the hot path. Equal to
 * `canonicalJson({...record, prevHash})`; a test holds the two together.
 */
export function canonicalRecord(r: AuditRecord, prevHash: string): string {
  const a = r.actor;
  const actor = `{"id":${q(a.id)}${a.remoteIp === undefined ? "" : `,"remoteIp":${q(a.remoteIp)}`},"type":${q(a.type)}}`;
  return (
    `{"actor":${actor},"eventId":${q(r.eventId)},"metadata":${canonicalJson(r.metadata)},"outcome":${q(r.outcome)},` +
    `"prevHash":${q(prevHash)},"traceId":${q(r.traceId)},"ts":${q(r.ts)},"type":${q(r.type)}}`
  );
}

/** Links a record into the chain; returns the line text (with trailing newline) and its hash. */
export function chainRecord(record: AuditRecord, prevHash: string): { text: string; hash: string } {
  const hash = createHash("sha256").update(prevHash).update(canonicalRecord(record, prevHash)).digest("hex");
  const line: AuditLine = { ...record, prevHash, hash };
  return { text: `${JSON.stringify(line)}\n`, hash };
}
