/**
 * Every refusal of an authenticated request lands in the audit log. Stages
 * that audit their own decision (RBAC, blocklist, approvals) mark the error;
 * anything else refused — a bad body, an unknown tool or agent, bad arguments,
 * a sandbox violation — is recorded here, once, by the transport that answered.
 */
import { GatewayError } from "../core/errors.js";
import type { AuditSink } from "../core/audit-types.js";
import type { Principal } from "../core/principal.js";
import { actorFor, type ClientInfo } from "./client.js";

const audited = new WeakSet<GatewayError>();

/** Marks an error whose decision was already written to the audit log. */
export function markAudited<E extends GatewayError>(e: E): E {
  audited.add(e);
  return e;
}

export async function auditRejection(
  audit: AuditSink,
  err: unknown,
  who: { principal: Principal; client: ClientInfo },
  metadata: Record<string, unknown>,
): Promise<void> {
  if (!(err instanceof GatewayError) || audited.has(err)) return;
  // A log that cannot be written has nothing more to record.
  if (err.code === "UNAVAILABLE" && err.message.startsWith("audit log")) return;
  const sandbox = err.details?.reason === "sandbox";
  await audit.append({
    type: sandbox ? "sandbox.denied" : "request.rejected",
    actor: actorFor(who.principal, who.client),
    outcome: err.code === "INTERNAL" || err.code === "UNAVAILABLE" ? "failure" : "denied",
    traceId: who.client.traceId,
    metadata: {
      code: err.code,
      reason: String(err.details?.rule ?? err.details?.reason ?? err.details?.code ?? err.code),
      message: err.message.slice(0, 300),
      ...metadata,
    },
  });
}
