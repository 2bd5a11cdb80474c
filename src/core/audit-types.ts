/**
 * What domain code hands to the audit log. The audit module adds `ts`,
 * `eventId`, the hash chain, and writes it durably.
 */
export type AuditActorType = "user" | "device" | "anonymous" | "system";
export type AuditOutcome = "success" | "failure" | "denied" | "pending";

export interface AuditActor {
  type: AuditActorType;
  /** The principal id (a device id for a device that is not paired yet). */
  id: string;
  /** Client address after trusted-proxy resolution. */
  remoteIp?: string;
}

export interface AuditInput {
  type: string;
  actor: AuditActor;
  outcome: AuditOutcome;
  /** 32 lowercase hex chars; generated when absent. */
  traceId?: string;
  metadata?: Record<string, unknown>;
}

/** The written line (before hash chain fields). */
export interface AuditRecord {
  ts: string;
  eventId: string;
  type: string;
  actor: AuditActor;
  outcome: AuditOutcome;
  traceId: string;
  metadata: Record<string, unknown>;
}

/**
 * The sink everybody writes to. `append` resolves once the line is durable
 * (fdatasync'd) and rejects if it cannot be written: callers must then refuse
 * the action they were about to take (fail closed).
 */
export interface AuditSink {
  append(event: AuditInput): Promise<void>;
}
