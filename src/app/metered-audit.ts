/**
 * The audit log as the request flows see it, measured: how long each event takes to become
 * durable, how many could not be written, and which refusals were recorded (by type and
 * reason). Everything else is the log itself (the object delegates by prototype, so the
 * `failed` getter and any later member stay the log's own).
 */
import type { AuditInput } from "../core/audit-types.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { GatewayMetrics } from "../metrics/gateway-metrics.js";

export function meterAudit(log: AuditLog, metrics: GatewayMetrics): AuditLog {
  const metered = Object.create(log) as AuditLog & { append: AuditLog["append"] };
  metered.append = async (event: AuditInput): Promise<void> => {
    const started = performance.now();
    try {
      await log.append(event);
    } catch (e) {
      metrics.auditFailed();
      throw e;
    }
    metrics.auditWritten((performance.now() - started) / 1000);
    metrics.auditEvent(event);
  };
  return metered;
}
